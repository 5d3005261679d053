// A small pool of MySQL connections that survives a server restart: an operation that finds its
// connection lost is run again on a fresh connection, a bounded number of times with exponential
// backoff, and then fails with a kStore error that says so.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "clock/clock.h"
#include "error/error.h"
#include "mysql/mysql_connection.h"
#include "mysql/mysql_endpoint.h"

namespace tc {

// The system clock, one per process, for pools that are not given one.
const Clock& RealClock();

struct MysqlRetryPolicy {
  int attempts = 5;                           // tries of one operation in all, connecting included
  std::chrono::milliseconds base_delay{200};  // before the 2nd try; doubled each time
  std::chrono::milliseconds max_delay{3'000};
};

// Thread-safe. Connections are opened lazily, up to `size`; a caller waits for a free one.
class MysqlPool {
 public:
  // Waits between retries go through `clock` (a FakeClock makes them instant in tests); the
  // default is the process's real clock. `clock` must outlive the pool.
  MysqlPool(MysqlConnectOptions options, int size, MysqlRetryPolicy retry = {},
            const Clock& clock = RealClock());
  ~MysqlPool();

  // Runs `op` on a borrowed connection. If the connection is (or turns out to be) lost, it is
  // discarded and `op` runs again on a new one, up to retry.attempts tries with backoff between
  // them (the backoff waits on the pool's clock, blocking the calling thread). So `op` must be safe
  // to repeat: a read, or a transaction that either committed before the loss or was rolled back by
  // the server, and whose writes are conditioned on what they read. A failure that is not a lost
  // connection (SQL error, wrong password, unknown database) is returned at once.
  Status Run(const std::function<Status(MysqlConnection&)>& op);

  template <typename T>
  Result<T> Run(const std::function<Result<T>(MysqlConnection&)>& op) {
    std::optional<T> value;
    Status status = Run([&](MysqlConnection& connection) -> Status {
      Result<T> result = op(connection);
      if (!result.ok()) return result.error();
      value = std::move(result).value();
      return Status::Ok();
    });
    if (!status.ok()) return status.error();
    return std::move(*value);
  }

  const MysqlConnectOptions& options() const { return options_; }

 private:
  // A connection, or the reason none could be made (with whether it is worth retrying).
  struct Borrowed {
    std::unique_ptr<MysqlConnection> connection;
    std::optional<Error> error;
    bool lost = false;
  };
  Borrowed Borrow();
  void Return(std::unique_ptr<MysqlConnection> connection);  // null: a discarded connection
  // After one connection was lost the idle ones most likely were too (server restart): close them
  // so the retry does not pick another dead one.
  void DiscardIdle();

  const MysqlConnectOptions options_;
  const int size_;
  const MysqlRetryPolicy retry_;
  const Clock& clock_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<MysqlConnection>> idle_;
  int open_ = 0;  // connections in idle_ or borrowed, or being opened
};

}  // namespace tc
