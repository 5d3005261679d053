// The ticketcache-sim command line (docs/simulator.md), on CLI11.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "error/error.h"
#include "sim_settings.h"

namespace tc::sim {

struct SimLaunch {
  std::string listen = "127.0.0.1:8089";
  std::string host;   // from `listen`, by FinishSimLaunch
  uint16_t port = 0;  // from `listen`, by FinishSimLaunch; 0 = any free port
  int threads = 2;
  uint64_t seed = 1;
  std::string latency_dist = "fixed";
  std::string next_style = "mixed";
  SimSettings settings;
};

// Registers every flag on `app`, writing into `launch`.
void AddSimOptions(CLI::App& app, SimLaunch& launch);

// After parsing: splits `listen` ("HOST:PORT", "[::1]:PORT"), resolves the enum flags and checks
// the settings. kConfig error naming the flag when something is wrong.
Status FinishSimLaunch(SimLaunch& launch);

}  // namespace tc::sim
