// A small blocking HTTP/1.1 client for the proxy's integration tests: raw bytes in, parsed
// responses out (content-length, chunked or until-close bodies). Loopback only, every wait
// bounded.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pwplay::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  bool ok = false;    // a whole response was read
  std::string error;  // why not
  int status = 0;
  Headers headers;  // names lower-cased
  std::string body;
  Headers trailers;
  // First value of `name` (lower-case), or "<absent>".
  std::string header(const std::string& name) const;
  size_t count(const std::string& name) const;
};

class HttpConnection {
 public:
  // Connects to 127.0.0.1:port; nullptr when the connection is refused.
  static std::unique_ptr<HttpConnection> open(uint16_t port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool send(const std::string& bytes);
  // Reads one response; `head` for the answer to a HEAD request (no body).
  HttpResponse read_response(bool head = false,
                             std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // One message head as raw text, up to and with its empty line (an interim 100 Continue, which
  // read_response skips); empty when none arrives within `timeout`.
  std::string read_head(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True when the peer closes the connection within `timeout` (bytes before that are dropped).
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Closes abruptly (RST when unread data is pending, else FIN).
  void close();

 private:
  explicit HttpConnection(int fd) : fd_(fd) {}
  // Waits for more bytes; false on EOF, error or timeout.
  bool fill(std::chrono::steady_clock::time_point deadline);
  bool read_line(std::string& line, std::chrono::steady_clock::time_point deadline);
  bool read_exact(size_t n, std::string& out, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

// "METHOD PATH HTTP/1.1" with Host, the headers, and the body with its content-length.
std::string request_bytes(const std::string& method, const std::string& path,
                          const Headers& headers = {}, const std::string& body = "",
                          const std::string& host = "test.local");

// One request on a fresh connection.
HttpResponse http_request(uint16_t port, const std::string& method, const std::string& path,
                          const Headers& headers = {}, const std::string& body = "");

// One chunk of a chunked body.
std::string chunk(const std::string& data);

}  // namespace pwplay::testing
