// The command-line contract other tests rely on: one "listening on 127.0.0.1:PORT" line on
// stdout, exit 0 on SIGTERM, exit 2 on a usage error.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <string>
#include <vector>

extern char** environ;

namespace tc::sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct Child {
  pid_t pid = -1;
  std::string stdout_text;  // everything up to the first newline (or EOF)
  int stdout_fd = -1;
};

Child Spawn(std::vector<std::string> args) {
  args.insert(args.begin(), TICKETCACHE_SIM_BINARY);
  int out[2];
  EXPECT_EQ(pipe(out), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  Child child;
  EXPECT_EQ(posix_spawn(&child.pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  char c = 0;
  while (read(out[0], &c, 1) == 1 && c != '\n') child.stdout_text.push_back(c);
  child.stdout_fd = out[0];
  return child;
}

int Wait(Child& child) {
  int status = 0;
  waitpid(child.pid, &status, 0);
  close(child.stdout_fd);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(SimBinaryTest, PrintsOneLineServesAndExitsZeroOnSigterm) {
  Child child = Spawn({"--listen", "127.0.0.1:0", "--users", "3"});
  constexpr std::string_view kPrefix = "listening on 127.0.0.1:";
  ASSERT_TRUE(child.stdout_text.starts_with(kPrefix)) << child.stdout_text;
  const std::string port_text = child.stdout_text.substr(kPrefix.size());
  ASSERT_FALSE(port_text.empty());
  ASSERT_EQ(port_text.find_first_not_of("0123456789"), std::string::npos) << port_text;
  const auto port = static_cast<unsigned short>(std::stoi(port_text));

  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> request(http::verb::get, "/_sim/health", 11);
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  EXPECT_EQ(response.body(), R"({"ok":true})");

  kill(child.pid, SIGTERM);
  std::string rest;
  char c = 0;
  while (read(child.stdout_fd, &c, 1) == 1) rest.push_back(c);
  EXPECT_EQ(rest, "");  // exactly one line
  EXPECT_EQ(Wait(child), 0);
}

TEST(SimBinaryTest, UsageErrorsExitTwo) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--no-such-flag"},
                                        {"--latency-dist", "normal"},
                                        {"--listen", "nonsense"}}) {
    Child child = Spawn(args);
    EXPECT_EQ(child.stdout_text, "");
    EXPECT_EQ(Wait(child), 2) << args[0];
  }
  Child help = Spawn({"--help"});
  EXPECT_EQ(Wait(help), 0);
}

}  // namespace
}  // namespace tc::sim
