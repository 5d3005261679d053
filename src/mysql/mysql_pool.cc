#include "mysql/mysql_pool.h"

#include <algorithm>

namespace tc {

const Clock& RealClock() {
  static const SystemClock clock;
  return clock;
}

MysqlPool::MysqlPool(MysqlConnectOptions options, int size, MysqlRetryPolicy retry,
                     const Clock& clock)
    : options_(std::move(options)), size_(std::max(size, 1)), retry_(retry), clock_(clock) {}

MysqlPool::~MysqlPool() = default;

MysqlPool::Borrowed MysqlPool::Borrow() {
  {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      Borrowed borrowed;
      borrowed.connection = std::move(idle_.back());
      idle_.pop_back();
      return borrowed;
    }
    ++open_;
  }
  Borrowed borrowed;
  auto connected = MysqlConnection::Connect(options_, &borrowed.lost);
  if (connected.ok()) {
    borrowed.connection = std::move(connected).value();
  } else {
    borrowed.error = connected.error();
    Return(nullptr);
  }
  return borrowed;
}

void MysqlPool::Return(std::unique_ptr<MysqlConnection> connection) {
  {
    std::lock_guard lock(mutex_);
    if (connection) {
      idle_.push_back(std::move(connection));
    } else {
      --open_;
    }
  }
  available_.notify_one();
}

void MysqlPool::DiscardIdle() {
  std::vector<std::unique_ptr<MysqlConnection>> discarded;
  {
    std::lock_guard lock(mutex_);
    open_ -= static_cast<int>(idle_.size());
    discarded.swap(idle_);
  }
  available_.notify_all();
}

Status MysqlPool::Run(const std::function<Status(MysqlConnection&)>& op) {
  const int attempts = std::max(retry_.attempts, 1);
  std::chrono::milliseconds delay = retry_.base_delay;
  Error last;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) {
      clock_.SleepFor(delay);
      delay = std::min(delay * 2, retry_.max_delay);
    }
    Borrowed borrowed = Borrow();
    if (!borrowed.connection) {
      if (!borrowed.lost) return *borrowed.error;  // wrong password, unknown database, …
      last = *borrowed.error;
      continue;
    }
    Status status = op(*borrowed.connection);
    const bool lost = borrowed.connection->lost();
    Return(lost ? nullptr : std::move(borrowed.connection));
    if (lost) DiscardIdle();
    if (status.ok() || !lost) return status;
    last = status.error();
  }
  return MakeError(ErrorClass::kStore,
                   "gave up after " + std::to_string(attempts) +
                       " attempts to reach the MySQL server; last error: " + last.message);
}

}  // namespace tc
