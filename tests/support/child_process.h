// Runs the `ticketcache` binary (or any program) as a child for an integration test: argv,
// extra environment, captured stdout and stderr, exit code; or started in the background to be
// signalled (SIGTERM, SIGKILL) mid-run.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace tc {

struct ChildResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that ended it, if any
  std::string out;     // stdout
  std::string err;     // stderr
};

// A new, empty directory under the test temp dir (::testing::TempDir(), which honours
// TEST_TMPDIR), named after `stem`. Throws std::runtime_error when it cannot be made.
std::string MakeTestTempDir(const std::string& stem);

// Runs `argv` to completion (argv[0] is the program path) with the current environment plus
// `env` (a value of "" unsets the variable).
ChildResult RunChild(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env = {});

// The same, for the ticketcache binary under test: RunTicketcache({"run", "--config", path}).
ChildResult RunTicketcache(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env = {});

// A child running in the background; output goes to files in `output_dir`.
class BackgroundChild {
 public:
  BackgroundChild(const std::vector<std::string>& argv,
                  const std::map<std::string, std::string>& env, const std::string& output_dir);
  ~BackgroundChild();  // SIGKILLs and reaps a child still running
  BackgroundChild(const BackgroundChild&) = delete;
  BackgroundChild& operator=(const BackgroundChild&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int signal);
  // Waits for the child to end (at most `timeout_ms`; then SIGKILL). Returns what it printed.
  ChildResult Wait(int timeout_ms);
  bool Running();
  std::string StdoutSoFar() const;
  std::string StderrSoFar() const;

 private:
  pid_t pid_ = -1;
  std::string out_path_;
  std::string err_path_;
  bool reaped_ = false;
  int status_ = 0;
};

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);

}  // namespace tc
