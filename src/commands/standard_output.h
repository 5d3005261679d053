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

}  // namespace tc
