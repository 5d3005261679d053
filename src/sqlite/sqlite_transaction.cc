#include "sqlite/sqlite_transaction.h"

namespace tc {

SqliteTransaction::~SqliteTransaction() {
  if (active_) (void)database_.Exec("ROLLBACK", "rollback");
}

Status SqliteTransaction::Begin() {
  // Before any write: a file moved or deleted under us would take every write with it.
  if (Status here = database_.CheckStillAtPath(); !here.ok()) return here;
  Status status = database_.Exec("BEGIN IMMEDIATE", "cannot begin a transaction");
  active_ = status.ok();
  return status;
}

Status SqliteTransaction::Commit() {
  Status status = database_.Exec("COMMIT", "cannot commit");
  if (status.ok()) active_ = false;
  return status;
}

}  // namespace tc
