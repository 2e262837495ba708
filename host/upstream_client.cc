#include "host/upstream_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "host/proxy/http1_codec.h"
#include "host/proxy/net.h"

namespace pwplay::host {
namespace {

using Clock = std::chrono::steady_clock;

// Closes the socket when the exchange ends, however it ends.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// "Connection refused" -> "connection refused".
std::string system_error(int error) {
  std::string text = std::strerror(error);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// Collects the response as the parser hands it on.
struct Collector : proxy::Http1Handler {
  ResponseSpec response;
  bool done = false;
  void on_head(proxy::Http1Head head) override {
    response.status = head.status;
    response.headers = std::move(head.headers);
  }
  void on_body(std::string data) override { response.body += data; }
  void on_message_end(std::string last, abi::HeaderPairs trailers) override {
    response.body += last;
    response.trailers = std::move(trailers);
    done = true;
  }
};

// The request's bytes on the wire: head, then the body with the framing the head chose.
std::string encode_request(const MessageView& request) {
  HeaderMap headers;
  headers.add(":method", request.method);
  headers.add(":path", request.path);
  for (const auto& [name, value] : request.headers)
    headers.add(name == "host" ? ":authority" : name, value);
  const bool end_stream = request.body.empty() && request.trailers.empty();
  proxy::EncodedHead head = proxy::encode_request_head(headers, end_stream);
  std::string bytes = std::move(head.bytes);
  if (head.framing == proxy::Framing::Chunked) {
    if (!request.body.empty()) proxy::append_chunk(bytes, request.body);
    bytes += proxy::last_chunk(request.trailers);
  } else {
    bytes += request.body;
  }
  return bytes;
}

}  // namespace

Result<ResponseSpec> exchange_with_upstream(const std::string& address, const MessageView& request,
                                            std::chrono::milliseconds timeout) {
  const std::string what = "upstream " + address;
  auto fail = [&](const std::string& why) -> Result<ResponseSpec> {
    return make_error(what + ": " + why);
  };
  auto target = proxy::parse_host_port(address, "upstream");
  if (!target) return unexpected(target.error());
  if (target->port == 0) return fail("expected a port above 0");
  auto resolved = proxy::resolve(*target, what);
  if (!resolved) return unexpected(resolved.error());
  const auto deadline = Clock::now() + timeout;
  // What is left of the timeout for one poll, in ms (at least 0).
  auto remaining = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return static_cast<int>(std::max<int64_t>(0, left.count()));
  };
  auto too_slow = [&](const char* step) {
    return fail(std::string("no ") + step + " within " + std::to_string(timeout.count()) + " ms");
  };

  Socket socket(
      ::socket(resolved->storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (socket.fd() < 0) return fail(system_error(errno));
  if (::connect(socket.fd(), resolved->get(), resolved->length) != 0) {
    if (errno != EINPROGRESS) return fail(system_error(errno));
    pollfd wait{socket.fd(), POLLOUT, 0};
    int ready = ::poll(&wait, 1, remaining());
    if (ready == 0) return too_slow("connection");
    if (ready < 0) return fail(system_error(errno));
    int error = 0;
    socklen_t size = sizeof error;
    ::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) return fail(system_error(error));
  }

  const std::string bytes = encode_request(request);
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(socket.fd(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      return fail("sending the request: " + system_error(errno));
    pollfd wait{socket.fd(), POLLOUT, 0};
    if (::poll(&wait, 1, remaining()) == 0) return too_slow("room to send the request");
  }

  Collector collector;
  // The proxy's own bound on a response head (64 KiB) holds here too.
  proxy::Http1Parser parser(proxy::Http1Parser::Type::Response, collector, 64 * 1024);
  parser.expect_no_body(request.method == "HEAD");
  char buffer[16 * 1024];
  while (!collector.done) {
    pollfd wait{socket.fd(), POLLIN, 0};
    int ready = ::poll(&wait, 1, remaining());
    if (ready == 0) return too_slow("response");
    if (ready < 0 && errno != EINTR) return fail(system_error(errno));
    ssize_t n = ::recv(socket.fd(), buffer, sizeof buffer, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return fail("reading the response: " + system_error(errno));
    }
    if (n == 0) {
      // The upstream closed: that ends a response delimited by the close, or cuts one short.
      parser.finish();
      if (!collector.done)
        return fail(parser.in_message() || collector.response.status != 0
                        ? "the connection closed before the response ended"
                        : "the connection closed without a response");
      break;
    }
    parser.feed(buffer, static_cast<size_t>(n));
    if (parser.failed()) return fail("malformed response (" + parser.error_message() + ")");
  }
  // Hop-by-hop fields belong to this connection, not to the response the filters see.
  abi::HeaderPairs kept;
  const std::vector<std::string> options = proxy::connection_options(collector.response.headers);
  for (auto& [name, value] : collector.response.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (proxy::is_hop_by_hop(lower) ||
        std::find(options.begin(), options.end(), lower) != options.end())
      continue;
    kept.emplace_back(std::move(lower), std::move(value));
  }
  collector.response.headers = std::move(kept);
  return collector.response;
}

}  // namespace pwplay::host
