#include "support/child_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace tc {

namespace {

std::vector<std::string> BuildEnvironment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text(*entry);
    const auto equals = text.find('=');
    if (equals != std::string::npos) merged[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [key, value] : extra) {
    if (value.empty()) {
      merged.erase(key);
    } else {
      merged[key] = value;
    }
  }
  std::vector<std::string> out;
  for (const auto& [key, value] : merged) out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

pid_t Spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const std::string& out_path, const std::string& err_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> args = argv;
  std::vector<std::string> environment = BuildEnvironment(env);
  auto arg_pointers = Pointers(args);
  auto env_pointers = Pointers(environment);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0].c_str(), &actions, nullptr, arg_pointers.data(),
                             env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot spawn " + args[0]);
  return pid;
}

std::string TempPath(const char* what) {
  static int counter = 0;
  return ::testing::TempDir() + "tc_child_" + std::to_string(getpid()) + "_" +
         std::to_string(++counter) + "." + what;
}

ChildResult Collect(int status, const std::string& out_path, const std::string& err_path) {
  ChildResult result;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  return result;
}

}  // namespace

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string MakeTestTempDir(const std::string& stem) {
  std::string pattern = ::testing::TempDir() + stem + "_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot make a temp dir under " + ::testing::TempDir());
  }
  return pattern;
}

ChildResult RunChild(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env) {
  const std::string out_path = TempPath("out");
  const std::string err_path = TempPath("err");
  const pid_t pid = Spawn(argv, env, out_path, err_path);
  int status = 0;
  waitpid(pid, &status, 0);
  ChildResult result = Collect(status, out_path, err_path);
  unlink(out_path.c_str());
  unlink(err_path.c_str());
  return result;
}

ChildResult RunTicketcache(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv{TICKETCACHE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunChild(argv, env);
}

BackgroundChild::BackgroundChild(const std::vector<std::string>& argv,
                                 const std::map<std::string, std::string>& env,
                                 const std::string& output_dir)
    : out_path_(output_dir + "/child.out"), err_path_(output_dir + "/child.err") {
  pid_ = Spawn(argv, env, out_path_, err_path_);
}

BackgroundChild::~BackgroundChild() {
  if (!reaped_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
}

void BackgroundChild::Signal(int signal) {
  if (!reaped_) kill(pid_, signal);
}

bool BackgroundChild::Running() {
  if (reaped_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

ChildResult BackgroundChild::Wait(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  return Collect(status_, out_path_, err_path_);
}

std::string BackgroundChild::StdoutSoFar() const { return ReadFile(out_path_); }
std::string BackgroundChild::StderrSoFar() const { return ReadFile(err_path_); }

}  // namespace tc
