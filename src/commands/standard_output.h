// Writing a command's whole output to stdout when the reader may stop early
// (`ticketcache show 42 | head -c 600`).
#pragma once

#include <string_view>

namespace tc {

// Writes `text` to file descriptor 1, after std::cout's buffer. A reader that closed the pipe
// (EPIPE) is not an error: the command exits kExitOk with no message, and SIGPIPE is ignored for
// the write so the process is not killed by it. Any other write error prints one line to stderr
// and returns kExitAborted.
int WriteStandardOutput(std::string_view text);

// Writes one line (`text` and "\n") to file descriptor 1, after std::cout's buffer, for the
// summary a run prints once every side effect of the run is done. A write that fails (a closed
// pipe: `ticketcache run | true`; a full disk) is logged at warn and changes nothing else: the
// exit code stays the run's. Needs SIGPIPE ignored (main does) so a closed pipe is an EPIPE.
// False when the line was not written whole.
bool WriteSummaryLine(std::string_view text);

}  // namespace tc
