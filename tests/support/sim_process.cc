#include "support/sim_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <utility>

extern char** environ;

namespace tc {
namespace {

constexpr auto kStartupLimit = std::chrono::seconds(15);
constexpr auto kStopLimit = std::chrono::seconds(5);

Error StartFailure(std::string message) {
  return MakeError(ErrorClass::kInternal, "ticketcache-sim: " + std::move(message));
}

}  // namespace

Result<std::unique_ptr<SimProcess>> SimProcess::Start(const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {TICKETCACHE_SIM_BINARY};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  args.insert(args.end(), {"--listen", "127.0.0.1:0"});
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return StartFailure(std::string("pipe: ") + strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);  // dup2 drops CLOEXEC
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawned != 0) {
    close(pipe_fds[0]);
    return StartFailure(std::string("cannot start ") + argv[0] + ": " + strerror(spawned));
  }

  std::unique_ptr<SimProcess> sim(new SimProcess());
  sim->pid_ = pid;
  sim->stdout_fd_ = pipe_fds[0];

  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + kStartupLimit;
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return StartFailure("did not print its port within 15 s");
    pollfd readable{sim->stdout_fd_, POLLIN, 0};
    const int ready = poll(&readable, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline check above ends this
    char buffer[256];
    const ssize_t got = read(sim->stdout_fd_, buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      sim->Stop();
      return StartFailure("exited before listening (see its stderr above)");
    }
    line.append(buffer, static_cast<size_t>(got));
  }
  line.resize(line.find('\n'));

  constexpr std::string_view kPrefix = "listening on ";
  const auto colon = line.rfind(':');
  int port = 0;
  if (!line.starts_with(kPrefix) || colon == std::string::npos ||
      std::from_chars(line.data() + colon + 1, line.data() + line.size(), port).ec != std::errc() ||
      port <= 0) {
    return StartFailure("unexpected first line: " + line);
  }
  sim->port_ = port;
  sim->base_url_ = "http://" + line.substr(kPrefix.size());
  sim->stdout_drain_ = std::thread([fd = sim->stdout_fd_] {
    char buffer[4096];
    while (true) {
      const ssize_t got = read(fd, buffer, sizeof(buffer));
      if (got > 0 || (got < 0 && errno == EINTR)) continue;
      return;  // EOF: the simulator exited
    }
  });
  return sim;
}

SimProcess::~SimProcess() { Stop(); }

void SimProcess::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + kStopLimit;
    int status = 0;
    pid_t reaped = 0;
    while ((reaped = waitpid(pid_, &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (reaped == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (stdout_drain_.joinable()) stdout_drain_.join();
  if (stdout_fd_ >= 0) {
    close(stdout_fd_);
    stdout_fd_ = -1;
  }
}

Result<std::string> SimProcess::Call(std::string method, std::string_view path, std::string body) {
  HttpRequest request;
  request.url = base_url_ + std::string(path);
  request.method = std::move(method);
  request.body = std::move(body);
  request.timeout = std::chrono::seconds(10);
  const std::string call = request.method + " " + std::string(path);
  Result<HttpResponse> response = FetchBlocking(control_, std::move(request));
  if (!response.ok())
    return MakeError(ErrorClass::kInternal, call + ": " + response.error().ToString());
  if (response->status < 200 || response->status > 299) {
    return MakeError(ErrorClass::kInternal,
                     call + ": HTTP " + std::to_string(response->status) + ": " + response->body);
  }
  return std::move(response->body);
}

Result<std::string> SimProcess::Get(std::string_view path) { return Call("GET", path, ""); }

Result<std::string> SimProcess::Post(std::string_view path, std::string_view json_body) {
  return Call("POST", path, std::string(json_body));
}

Result<std::string> SimProcess::Put(std::string_view path, std::string_view json_body) {
  return Call("PUT", path, std::string(json_body));
}

Result<std::string> SimProcess::Delete(std::string_view path) { return Call("DELETE", path, ""); }

Status SimProcess::SetUserFault(int64_t user, std::string_view kind) {
  Result<std::string> answer = Put("/_sim/users/" + std::to_string(user) + "/fault",
                                   R"({"kind":")" + std::string(kind) + R"("})");
  if (!answer.ok()) return answer.error();
  return Status::Ok();
}

Status SimProcess::ClearUserFault(int64_t user) {
  Result<std::string> answer = Delete("/_sim/users/" + std::to_string(user) + "/fault");
  if (!answer.ok()) return answer.error();
  return Status::Ok();
}

}  // namespace tc
