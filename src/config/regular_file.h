// Reading a file the configuration names (the config file itself, a password_file, the webhook
// URL file, the on-demand token file). Only a regular file is read: a FIFO would block the open
// or the read forever, a directory or a device is a mistake; both are refused at once.
#pragma once

#include <string>
#include <string_view>

#include "error/error.h"

namespace tc {

// The whole content of `path`. kConfig when it does not exist, cannot be opened or read, or is
// not a regular file; the message starts with `what` and the quoted path:
// `config file "x.toml" is a FIFO, not a regular file`.
Result<std::string> ReadRegularFile(const std::string& path, std::string_view what);

}  // namespace tc
