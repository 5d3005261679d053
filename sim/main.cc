// ticketcache-sim: serves the Bytemark API (docs/simulator.md) until SIGTERM/SIGINT.
// Prints exactly one line to stdout, "listening on HOST:PORT"; everything else goes to stderr.
#include <fmt/format.h>

#include <csignal>
#include <cstdio>

#include "sim_command_line.h"
#include "sim_server.h"
#include "sim_service.h"

int main(int argc, char** argv) {
  tc::sim::SimLaunch launch;
  CLI::App app{"ticketcache-sim"};
  tc::sim::AddSimOptions(app, launch);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);  // prints the help, exit 0
  } catch (const CLI::ParseError& error) {
    fmt::print(stderr, "ticketcache-sim: {}\n", error.what());
    return 2;  // usage error
  }
  if (tc::Status status = tc::sim::FinishSimLaunch(launch); !status.ok()) {
    fmt::print(stderr, "ticketcache-sim: {}\n", status.error().message);
    return 2;
  }

  // Block the stop signals in every thread; the main thread waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  tc::sim::SimService service(launch.settings, launch.seed);
  tc::sim::SimServer server(service, launch.threads);
  if (tc::Status status = server.Listen(launch.host, launch.port); !status.ok()) {
    fmt::print(stderr, "ticketcache-sim: {}\n", status.error().message);
    return 1;
  }
  server.Start();
  fmt::print("listening on {}:{}\n", server.endpoint().address().to_string(),
             server.endpoint().port());
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  server.Stop();
  return 0;
}
