#include <sys/mman.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "commands/cli.h"

int main(int argc, char** argv) {
  // libmongoc initializes itself in a library constructor, before main(), and keeps its
  // diagnostic counters in a shared-memory file, /dev/shm/mongoc-<pid>, removed only by a clean
  // exit. A killed process leaves it behind, and a later process that gets the same pid cannot
  // create its own: libmongoc then warns on stderr, before any log handler of ours exists.
  // ticketcache never reads those counters, so the name goes at once; the mapping stays valid.
  // (Setting MONGOC_DISABLE_SHM from here would come too late; an operator may set it.)
  ::shm_unlink(("/mongoc-" + std::to_string(::getpid())).c_str());
  // A reader that closed its end of stdout (`ticketcache run | true`) must not kill the process
  // before its run record, metrics file and alerts are done, nor change its exit code: writes
  // then fail with EPIPE, which the writers handle (commands/standard_output.h).
  std::signal(SIGPIPE, SIG_IGN);
  return tc::RunCli(argc, argv);
}
