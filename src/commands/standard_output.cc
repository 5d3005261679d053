#include "commands/standard_output.h"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>

#include "commands/job_setup.h"
#include "log/logger.h"

namespace tc {

int WriteStandardOutput(std::string_view text) {
  std::cout.flush();
  std::signal(SIGPIPE, SIG_IGN);
  while (!text.empty()) {
    const ssize_t written = ::write(STDOUT_FILENO, text.data(), text.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) return kExitOk;  // the reader has what it wanted
      std::cerr << "ticketcache: cannot write output: " << std::strerror(errno) << "\n";
      return kExitAborted;
    }
    text.remove_prefix(static_cast<size_t>(written));
  }
  return kExitOk;
}

bool WriteSummaryLine(std::string_view text) {
  std::cout.flush();
  const std::string line = std::string(text) + "\n";
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t written = ::write(STDOUT_FILENO, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      LogWarn("could not write the run summary to stdout",
              {{"error", written < 0 ? std::strerror(errno) : "nothing written"}});
      return false;
    }
    rest.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

}  // namespace tc
