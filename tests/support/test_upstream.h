// A tiny HTTP/1.1 server for the proxy's integration tests: it listens on 127.0.0.1 (port 0),
// serves each connection on its own thread with keep-alive, records every request it receives
// (body bytes as they arrive, so tests can step a chunked upload), and answers through a
// handler. Every wait is bounded.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/http_test_client.h"

namespace pwplay::testing {

struct ReceivedRequest {
  std::string method;
  std::string path;
  Headers headers;  // names lower-cased
  std::string body;
  Headers trailers;
  bool chunked = false;
  bool complete = false;
  std::string header(const std::string& name) const;
  size_t count(const std::string& name) const;
};

// What the server does with a request.
struct UpstreamReply {
  std::string bytes;   // the raw response
  bool close = false;  // close the connection (after `bytes`, which may be empty)
  bool hold = false;   // never answer (until the server stops)
};

class TestUpstream {
 public:
  using Handler = std::function<UpstreamReply(const ReceivedRequest&)>;
  // The default handler answers 200 with `x-upstream: test` and the body "upstream saw
  // METHOD PATH (N body bytes)".
  explicit TestUpstream(Handler handler = nullptr);
  ~TestUpstream();
  TestUpstream(const TestUpstream&) = delete;
  TestUpstream& operator=(const TestUpstream&) = delete;

  uint16_t port() const { return port_; }
  std::vector<ReceivedRequest> requests() const;
  size_t request_count() const;
  // Body bytes received so far for the request in progress (or the last one).
  std::string partial_body() const;
  // Waits until `ready` holds (checked whenever a request or body bytes arrive).
  bool wait_until(const std::function<bool()>& ready,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  static std::string response(int status, const std::string& body, const Headers& headers = {});

 private:
  void accept_loop();
  void serve(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex threads_mutex_;
  std::vector<std::thread> threads_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<ReceivedRequest> requests_;
  std::string partial_body_;
};

// A loopback port nobody listens on (bound, then released).
uint16_t unused_port();

}  // namespace pwplay::testing
