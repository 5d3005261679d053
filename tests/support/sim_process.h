// Runs the simulator binary (ticketcache-sim) as a child process for an integration test: a free
// loopback port, its base URL, small blocking calls to its control API, and a clean stop.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bytemark/curl_transport.h"
#include "error/error.h"
#include "sim_token.h"

namespace tc {

// The token the simulator gives each user (sim/sim_token.h).
using sim::SimTokenForUser;

class SimProcess {
 public:
  // Starts TICKETCACHE_SIM_BINARY with `extra_args` (e.g. {"--users", "20", "--passes", "5"})
  // plus `--listen 127.0.0.1:0`, and returns once the simulator printed its one stdout line
  // "listening on 127.0.0.1:PORT". kInternal when it cannot start or exits first.
  static Result<std::unique_ptr<SimProcess>> Start(const std::vector<std::string>& extra_args = {});

  // Stop()s the simulator.
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  // SIGTERM, then SIGKILL if it has not exited within 5 s; reaps it. Idempotent.
  void Stop();

  const std::string& base_url() const { return base_url_; }  // "http://127.0.0.1:PORT"
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // Blocking control calls (`path` like "/_sim/counters"); the answer's body on a 2xx status,
  // otherwise kInternal naming the call, the status and the body.
  Result<std::string> Get(std::string_view path);
  Result<std::string> Post(std::string_view path, std::string_view json_body);
  Result<std::string> Put(std::string_view path, std::string_view json_body);
  Result<std::string> Delete(std::string_view path);

  // PUT /_sim/users/{user}/fault {"kind": kind} — kind as in docs/simulator.md ("500", "timeout",
  // "reset", "forever", ...); ClearUserFault deletes it.
  Status SetUserFault(int64_t user, std::string_view kind);
  Status ClearUserFault(int64_t user);

 private:
  SimProcess() = default;
  Result<std::string> Call(std::string method, std::string_view path, std::string body);

  pid_t pid_ = -1;
  int port_ = 0;
  std::string base_url_;
  int stdout_fd_ = -1;
  std::thread stdout_drain_;  // keeps reading stdout so the child can never block on a full pipe
  CurlTransport control_;
};

}  // namespace tc
