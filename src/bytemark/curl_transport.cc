#include "bytemark/curl_transport.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "bytemark/response_classification.h"

namespace tc {
namespace {

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// libcurl's result codes grouped into the classes the engine decides on.
ErrorClass ClassOf(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorClass::kTimeout;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED:
    case CURLE_PROXY:
      return ErrorClass::kNetwork;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_QUIC_CONNECT_ERROR:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_AGAIN:
      return ErrorClass::kTransient;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_WRITE_ERROR:
      return ErrorClass::kMalformed;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return ErrorClass::kConfig;
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
      return ErrorClass::kInternal;
    default:
      return ErrorClass::kNetwork;
  }
}

// The API's answers carry a few hundred bytes of headers; more than this is a hostile or broken
// server (libcurl itself gives up on one header line over 100 KB, reporting "out of memory").
constexpr size_t kMaxResponseHeaderBytes = 64 * 1024;

}  // namespace

struct CurlTransport::Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpRequest request;
  HttpCallback done;
  std::string body;
  bool oversized = false;
  size_t header_bytes = 0;  // response header bytes seen so far
  bool header_too_large = false;
  char error_buffer[CURL_ERROR_SIZE] = {};

  ~Transfer() { curl_slist_free_all(headers); }

  // CURLOPT_WRITEFUNCTION. Returning fewer bytes than given makes libcurl abort the transfer
  // (CURLE_WRITE_ERROR): that is how the response size cap stops a too large body early.
  static size_t OnBody(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    const auto limit =
        static_cast<size_t>(std::max<int64_t>(transfer->request.max_response_bytes, 0));
    if (transfer->body.size() + bytes > limit) {
      transfer->oversized = true;
      return 0;
    }
    transfer->body.append(data, bytes);
    return bytes;
  }

  // CURLOPT_HEADERFUNCTION: only counts (libcurl keeps the headers for curl_easy_header).
  // Returning 0 aborts the transfer once the headers grow past kMaxResponseHeaderBytes.
  static size_t OnHeader(char* /*data*/, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    transfer->header_bytes += bytes;
    if (transfer->header_bytes > kMaxResponseHeaderBytes) {
      transfer->header_too_large = true;
      return 0;
    }
    return bytes;
  }
};

CurlTransport::CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {
  InitCurlOnce();
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    // Only when the process is out of file descriptors or memory: nothing could run.
    throw std::runtime_error(std::string("cannot set up the HTTP event loop: ") +
                             std::strerror(errno));
  }
  epoll_event wake_event{};
  wake_event.events = EPOLLIN;
  wake_event.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake_event);
  multi_ = curl_multi_init();
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, options_.max_connections);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlTransport::OnSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, static_cast<void*>(this));
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlTransport::OnTimer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, static_cast<void*>(this));
}

CurlTransport::~CurlTransport() {
  for (auto& [raw, transfer] : in_flight_) {
    curl_multi_remove_handle(multi_, transfer->easy);
    curl_easy_cleanup(transfer->easy);
  }
  for (CURL* easy : idle_handles_) curl_easy_cleanup(easy);
  curl_multi_cleanup(multi_);  // closes the connections (OnSocket removes them from the set)
  for (int fd : {wake_fd_, epoll_fd_}) {
    if (fd >= 0) close(fd);
  }
}

// CURLMOPT_SOCKETFUNCTION: libcurl says which events of `socket` it waits for (or none).
int CurlTransport::OnSocket(CURL* /*easy*/, curl_socket_t socket, int what, void* self,
                            void* socket_data) {
  auto* transport = static_cast<CurlTransport*>(self);
  if (what == CURL_POLL_REMOVE) {
    // The socket may already be closed (then the kernel has dropped it from the set already).
    epoll_ctl(transport->epoll_fd_, EPOLL_CTL_DEL, socket, nullptr);
    curl_multi_assign(transport->multi_, socket, nullptr);
    return 0;
  }
  epoll_event event{};
  event.events = (what == CURL_POLL_IN || what == CURL_POLL_INOUT ? EPOLLIN : 0u) |
                 (what == CURL_POLL_OUT || what == CURL_POLL_INOUT ? EPOLLOUT : 0u);
  event.data.fd = socket;
  // socket_data is non-null once the socket is in the set (curl_multi_assign below).
  if (socket_data == nullptr) {
    if (epoll_ctl(transport->epoll_fd_, EPOLL_CTL_ADD, socket, &event) != 0 && errno == EEXIST) {
      epoll_ctl(transport->epoll_fd_, EPOLL_CTL_MOD, socket, &event);
    }
    curl_multi_assign(transport->multi_, socket, transport);
  } else {
    epoll_ctl(transport->epoll_fd_, EPOLL_CTL_MOD, socket, &event);
  }
  return 0;
}

// CURLMOPT_TIMERFUNCTION: when libcurl wants its timeout action (-1: never, 0: at once). Kept as
// a deadline that bounds Drive's epoll_wait: libcurl moves it several times per transfer, and a
// timerfd would cost a system call each time.
int CurlTransport::OnTimer(CURLM* /*multi*/, long timeout_ms, void* self) {
  auto* transport = static_cast<CurlTransport*>(self);
  transport->timeout_now_ = timeout_ms == 0;
  transport->timeout_at_.reset();
  if (timeout_ms > 0) {
    transport->timeout_at_ = transport->clock_.SteadyNow() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

// Runs libcurl's timeout action if it is due (asked for at once, or its deadline has passed).
void CurlTransport::ActOnDueTimeout() {
  if (!timeout_now_ && timeout_at_ && clock_.SteadyNow() >= *timeout_at_) {
    timeout_now_ = true;
    timeout_at_.reset();
  }
  while (timeout_now_) {
    timeout_now_ = false;
    Act(CURL_SOCKET_TIMEOUT, 0);
  }
}

void CurlTransport::Act(curl_socket_t socket, int events) {
  int running = 0;
  curl_multi_socket_action(multi_, socket, events, &running);
}

CURL* CurlTransport::TakeEasyHandle() {
  if (idle_handles_.empty()) return curl_easy_init();
  CURL* easy = idle_handles_.back();
  idle_handles_.pop_back();
  curl_easy_reset(easy);  // forgets the options, keeps the session caches
  return easy;
}

void CurlTransport::ReleaseEasyHandle(CURL* easy) {
  if (idle_handles_.size() < static_cast<size_t>(std::max(options_.max_connections, 1L))) {
    idle_handles_.push_back(easy);
  } else {
    curl_easy_cleanup(easy);
  }
}

Status CurlTransport::Configure(Transfer& transfer) {
  CURL* easy = transfer.easy;
  const HttpRequest& request = transfer.request;
  CURLcode code = CURLE_OK;
  auto set = [&code, easy](CURLoption option, auto value) {
    if (code == CURLE_OK) code = curl_easy_setopt(easy, option, value);
  };

  set(CURLOPT_URL, request.url.c_str());
  set(CURLOPT_PRIVATE, static_cast<void*>(&transfer));
  set(CURLOPT_ERRORBUFFER, transfer.error_buffer);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_NOSIGNAL, 1L);  // timeouts must not use signals in a threaded program
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_path.empty()) set(CURLOPT_CAINFO, options_.ca_path.c_str());
  set(CURLOPT_ACCEPT_ENCODING, "");  // every encoding this libcurl decodes (gzip, deflate, ...)
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_USERAGENT, "ticketcache/0.1");
  set(CURLOPT_WRITEFUNCTION, &Transfer::OnBody);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
  set(CURLOPT_HEADERFUNCTION, &Transfer::OnHeader);
  set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer));
  // Rejects a declared Content-Length over the cap before any body byte arrives; the write
  // callback covers chunked and compressed bodies.
  set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_response_bytes));

  if (request.method == "GET") {
    set(CURLOPT_HTTPGET, 1L);
  } else if (request.method == "POST" || request.method == "PUT" || !request.body.empty()) {
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    set(CURLOPT_POSTFIELDS, request.body.c_str());
    if (request.method != "POST") set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else {
    set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  transfer.headers = curl_slist_append(transfer.headers, "Accept: application/json");
  transfer.headers = curl_slist_append(transfer.headers, "Expect:");  // no 100-continue round trip
  if (!request.body.empty()) {
    const std::string content_type = "Content-Type: " + request.content_type;
    transfer.headers = curl_slist_append(transfer.headers, content_type.c_str());  // copies
  }
  if (!request.bearer_token.empty()) {
    const std::string authorization = "Authorization: Bearer " + request.bearer_token;
    transfer.headers = curl_slist_append(transfer.headers, authorization.c_str());  // copies
  }
  set(CURLOPT_HTTPHEADER, transfer.headers);

  if (code != CURLE_OK) {
    return MakeError(ClassOf(code), request.method + " " + request.url +
                                        ": cannot set up the request: " + curl_easy_strerror(code));
  }
  return Status::Ok();
}

void CurlTransport::Start(HttpRequest request, HttpCallback done) {
  if (HasControlCharacters(request.bearer_token)) {
    // Never on the wire: CR LF in a header value would inject headers of the token's choosing.
    failed_to_start_.push_back({std::move(done), MakeError(ErrorClass::kRejectedToken,
                                                           "token contains control characters")});
    return;
  }
  auto transfer = std::make_unique<Transfer>();
  transfer->request = std::move(request);
  transfer->done = std::move(done);
  transfer->easy = TakeEasyHandle();
  if (transfer->easy == nullptr) {
    failed_to_start_.push_back(
        {std::move(transfer->done), MakeError(ErrorClass::kInternal, "curl_easy_init failed")});
    return;
  }
  Status configured = Configure(*transfer);
  if (configured.ok()) {
    const CURLMcode added = curl_multi_add_handle(multi_, transfer->easy);
    if (added != CURLM_OK) {
      configured = MakeError(ErrorClass::kInternal,
                             std::string("curl_multi_add_handle: ") + curl_multi_strerror(added));
    }
  }
  if (!configured.ok()) {
    ReleaseEasyHandle(transfer->easy);
    failed_to_start_.push_back({std::move(transfer->done), configured.error()});
    return;
  }
  Transfer* raw = transfer.get();
  in_flight_.emplace(raw, std::move(transfer));
}

Result<HttpResponse> CurlTransport::ResultOf(Transfer& transfer, CURLcode code) {
  long connects = 0;
  curl_easy_getinfo(transfer.easy, CURLINFO_NUM_CONNECTS, &connects);
  connections_opened_ += connects;

  const HttpRequest& request = transfer.request;
  if (transfer.oversized || code == CURLE_FILESIZE_EXCEEDED) {
    return MakeError(ErrorClass::kMalformed,
                     request.method + " " + request.url + ": response larger than " +
                         std::to_string(request.max_response_bytes) + " bytes");
  }
  // A header flood ends as our header callback's abort, or as libcurl's "out of memory" for one
  // line over its own limit once the status line has arrived.
  if (transfer.header_too_large || (code == CURLE_OUT_OF_MEMORY && transfer.header_bytes > 0)) {
    return MakeError(ErrorClass::kMalformed,
                     request.method + " " + request.url + ": response header too large");
  }
  if (code != CURLE_OK) {
    const char* reason =
        transfer.error_buffer[0] != '\0' ? transfer.error_buffer : curl_easy_strerror(code);
    return MakeError(ClassOf(code), request.method + " " + request.url + ": " + reason);
  }

  HttpResponse response;
  curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(transfer.body);
  curl_header* retry_after = nullptr;
  if (curl_easy_header(transfer.easy, "Retry-After", 0, CURLH_HEADER, -1, &retry_after) ==
      CURLHE_OK) {
    response.retry_after = retry_after->value;
  }
  return response;
}

void CurlTransport::CollectFinished(std::vector<Finished>& finished) {
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
    if (message->msg != CURLMSG_DONE) continue;
    CURL* easy = message->easy_handle;
    const CURLcode code = message->data.result;  // `message` dies with remove_handle below
    Transfer* raw = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &raw);
    auto node = in_flight_.extract(raw);
    std::unique_ptr<Transfer> transfer = std::move(node.mapped());
    Result<HttpResponse> result = ResultOf(*transfer, code);
    curl_multi_remove_handle(multi_, easy);
    ReleaseEasyHandle(easy);
    finished.push_back({std::move(transfer->done), std::move(result)});
  }
}

size_t CurlTransport::Drive(Duration max_wait) {
  std::vector<Finished> finished = std::exchange(failed_to_start_, {});
  // New transfers ask for an immediate timeout action: that starts them.
  ActOnDueTimeout();
  CollectFinished(finished);
  if (finished.empty()) {
    int64_t wait_ms = std::clamp<int64_t>(max_wait.count(), 0, INT_MAX);
    if (timeout_at_) {
      // Rounded up: waking a little early would only wait again.
      const auto until = *timeout_at_ - clock_.SteadyNow();
      const int64_t until_ms =
          std::max<int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(until).count());
      wait_ms = std::min(wait_ms, until_ms);
    }
    std::array<epoll_event, 64> events{};
    const int ready = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                                 static_cast<int>(wait_ms));
    for (int i = 0; i < ready; ++i) {
      const int fd = events[static_cast<size_t>(i)].data.fd;
      const uint32_t what = events[static_cast<size_t>(i)].events;
      if (fd == wake_fd_) {
        uint64_t count = 0;
        [[maybe_unused]] const ssize_t drained = read(fd, &count, sizeof count);
        continue;
      }
      Act(fd, ((what & (EPOLLIN | EPOLLHUP)) != 0 ? CURL_CSELECT_IN : 0) |
                  ((what & EPOLLOUT) != 0 ? CURL_CSELECT_OUT : 0) |
                  ((what & EPOLLERR) != 0 ? CURL_CSELECT_ERR : 0));
    }
    ActOnDueTimeout();
    CollectFinished(finished);
  }
  // Callbacks run after libcurl's bookkeeping is done, so they may Start new requests.
  for (Finished& one : finished) one.done(std::move(one.result));
  return in_flight_.size() + failed_to_start_.size();
}

void CurlTransport::Wakeup() {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = write(wake_fd_, &one, sizeof one);
}

}  // namespace tc
