#include <sys/mman.h>
#include <unistd.h>

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
  return tc::RunCli(argc, argv);
}
