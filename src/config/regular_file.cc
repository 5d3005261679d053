#include "config/regular_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tc {
namespace {

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

}  // namespace

Result<std::string> ReadRegularFile(const std::string& path, std::string_view what) {
  const auto problem = [&](const std::string& text) {
    return MakeError(ErrorClass::kConfig, fmt::format("{} \"{}\" {}", what, path, text));
  };
  // O_NONBLOCK: opening a FIFO for reading does not wait for a writer. It changes nothing for a
  // regular file, the only kind read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT) return problem("not found");
    return problem(fmt::format("cannot be opened: {}", std::strerror(errno)));
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    const std::string kind = KindOf(info.st_mode);
    ::close(fd);
    return problem(fmt::format("is {}, not a regular file", kind));
  }
  std::string content;
  char buffer[65536];
  while (true) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int error = errno;
      ::close(fd);
      return problem(fmt::format("cannot be read: {}", std::strerror(error)));
    }
    if (got == 0) break;
    content.append(buffer, static_cast<size_t>(got));
  }
  ::close(fd);
  return content;
}

}  // namespace tc
