#include "support/test_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "support/socket_util.h"

namespace pwplay::testing {
namespace {

int listen_loopback(uint16_t& port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 || listen(fd, 256) != 0)
    throw std::runtime_error("test upstream: cannot listen on loopback");
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return fd;
}

// Reads from a socket with short polls so that a stopping server is noticed.
class Reader {
 public:
  Reader(int fd, const std::atomic<bool>& stopping) : fd_(fd), stopping_(stopping) {}
  bool fill() {
    while (!stopping_) {
      pollfd p{fd_, POLLIN, 0};
      int ready = poll(&p, 1, 50);
      if (ready < 0) return false;
      if (ready == 0) continue;
      char data[65536];
      ssize_t n = recv(fd_, data, sizeof(data), 0);
      if (n <= 0) return false;
      buffer.append(data, static_cast<size_t>(n));
      return true;
    }
    return false;
  }
  bool line(std::string& out) {
    while (true) {
      size_t end = buffer.find("\r\n");
      if (end != std::string::npos) {
        out = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        return true;
      }
      if (!fill()) return false;
    }
  }
  std::string buffer;

 private:
  int fd_;
  const std::atomic<bool>& stopping_;
};

}  // namespace

std::string ReceivedRequest::header(const std::string& name) const {
  return header_value(headers, name);
}

size_t ReceivedRequest::count(const std::string& name) const {
  return header_count(headers, name);
}

std::string TestUpstream::response(int status, const std::string& body, const Headers& headers) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return out;
}

TestUpstream::TestUpstream(Handler handler) : handler_(std::move(handler)) {
  if (!handler_) {
    handler_ = [](const ReceivedRequest& request) {
      if (request.method == "HEAD")
        return UpstreamReply{"HTTP/1.1 200 OK\r\nX-Upstream: test\r\nContent-Length: 42\r\n\r\n"};
      return UpstreamReply{response(200,
                                    "upstream saw " + request.method + " " + request.path + " (" +
                                        std::to_string(request.body.size()) + " body bytes)",
                                    {{"X-Upstream", "test"}, {"Content-Type", "text/plain"}})};
    };
  }
  listen_fd_ = listen_loopback(port_);
  acceptor_ = std::thread([this] { accept_loop(); });
}

TestUpstream::~TestUpstream() {
  stopping_ = true;
  acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(threads_mutex_);
    threads.swap(threads_);
  }
  for (auto& thread : threads) thread.join();
  close(listen_fd_);
}

void TestUpstream::accept_loop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    set_no_delay(fd);
    std::lock_guard<std::mutex> lock(threads_mutex_);
    threads_.emplace_back([this, fd] {
      serve(fd);
      close(fd);
    });
  }
}

void TestUpstream::serve(int fd) {
  Reader reader(fd, stopping_);
  while (!stopping_) {
    ReceivedRequest request;
    std::string line;
    if (!reader.line(line)) return;
    size_t first = line.find(' ');
    size_t second = line.find(' ', first + 1);
    if (first == std::string::npos || second == std::string::npos) return;
    request.method = line.substr(0, first);
    request.path = line.substr(first + 1, second - first - 1);
    while (true) {
      if (!reader.line(line)) return;
      if (line.empty()) break;
      if (!parse_header_line(line, request.headers)) return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      partial_body_.clear();
    }
    auto add_body = [&](const std::string& data) {
      request.body += data;
      std::lock_guard<std::mutex> lock(mutex_);
      partial_body_ += data;
      changed_.notify_all();
    };
    if (lower(request.header("transfer-encoding")) == "chunked") {
      request.chunked = true;
      while (true) {
        if (!reader.line(line)) return;
        size_t size = std::stoul(line, nullptr, 16);
        if (size == 0) break;
        while (reader.buffer.size() < size + 2)
          if (!reader.fill()) return;
        add_body(reader.buffer.substr(0, size));
        reader.buffer.erase(0, size + 2);
      }
      while (true) {
        if (!reader.line(line)) return;
        if (line.empty()) break;
        parse_header_line(line, request.trailers);  // a line without a colon is skipped
      }
    } else if (request.header("content-length") != "<absent>") {
      size_t length = std::stoul(request.header("content-length"));
      while (request.body.size() < length) {
        if (reader.buffer.empty() && !reader.fill()) return;
        size_t take = std::min(length - request.body.size(), reader.buffer.size());
        add_body(reader.buffer.substr(0, take));
        reader.buffer.erase(0, take);
      }
    }
    request.complete = true;
    UpstreamReply reply = handler_(request);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
      changed_.notify_all();
    }
    if (reply.hold) {
      while (!stopping_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return;
    }
    if (!send_all(fd, reply.bytes)) return;
    if (reply.close) return;
  }
}

std::vector<ReceivedRequest> TestUpstream::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

size_t TestUpstream::request_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_.size();
}

std::string TestUpstream::partial_body() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return partial_body_;
}

bool TestUpstream::wait_until(const std::function<bool()>& ready,
                              std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, std::chrono::milliseconds(20));
  }
  return ready();
}

uint16_t unused_port() {
  uint16_t port = 0;
  int fd = listen_loopback(port);
  close(fd);
  return port;
}

}  // namespace pwplay::testing
