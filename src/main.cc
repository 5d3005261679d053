#include <cstdlib>

#include "commands/cli.h"

int main(int argc, char** argv) {
  // libmongoc keeps its diagnostic counters in /dev/shm/mongoc-<pid> unless told not to: a file
  // that outlives a killed process, and whose name a later process with the same pid then fails
  // to create (libmongoc then warns on stderr). ticketcache never reads those counters. Set here,
  // before any thread exists (setenv is not thread-safe); an operator's own value wins.
  ::setenv("MONGOC_DISABLE_SHM", "1", /*overwrite=*/0);
  return tc::RunCli(argc, argv);
}
