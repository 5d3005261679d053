// The `ticketcache` command line (docs/design.md). Exit codes: 0 completed, 1 could not start or
// aborted, 2 usage or configuration error (the message names the setting), 3 degraded.
#pragma once

namespace tc {

int RunCli(int argc, char** argv);

}  // namespace tc
