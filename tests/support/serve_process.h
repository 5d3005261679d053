// Waiting on a `ticketcache serve` child started with BackgroundChild: the port it logged once
// its HTTP endpoint listens, and the moment its stores are open (serve answers HTTP before that,
// with /readyz 503, so a test that needs the stores waits for both).
#pragma once

#include <map>
#include <string>

#include "support/child_process.h"

namespace tc {

// `ticketcache serve --config <config_path>`, started in `dir` (a JobFixture's) with `env` added.
class ServeProcess : public BackgroundChild {
 public:
  ServeProcess(const std::string& config_path, const std::string& dir,
               const std::map<std::string, std::string>& env = {});

  // Its port once it listens and its stores are open; 0 when that did not come (StderrSoFar()
  // says why).
  int WaitUntilReady();
};

// The port of serve's `"message":"serving"` log line in `log`; 0 when there is none yet.
int ServePortIn(const std::string& log);

// Waits (at most `timeout_ms`) for serve to log its port; 0 when it did not, or exited first.
int WaitForServePort(BackgroundChild& serve, int timeout_ms = 20'000);

// Waits (at most `timeout_ms`) for serve's `"message":"stores open"` line; false when it did not
// come, or serve exited first.
bool WaitForStoresOpen(BackgroundChild& serve, int timeout_ms = 30'000);

}  // namespace tc
