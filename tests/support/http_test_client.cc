#include "support/http_test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

#include "support/socket_util.h"

namespace pwplay::testing {

std::string HttpResponse::header(const std::string& name) const {
  return header_value(headers, name);
}

size_t HttpResponse::count(const std::string& name) const {
  return header_count(headers, name);
}

std::unique_ptr<HttpConnection> HttpConnection::open(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return nullptr;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return nullptr;
  }
  set_no_delay(fd);
  return std::unique_ptr<HttpConnection>(new HttpConnection(fd));
}

HttpConnection::~HttpConnection() {
  close();
}

void HttpConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool HttpConnection::send(const std::string& bytes) {
  return fd_ >= 0 && send_all(fd_, bytes);
}

bool HttpConnection::fill(std::chrono::steady_clock::time_point deadline) {
  if (eof_ || fd_ < 0) return false;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char data[65536];
  ssize_t n = recv(fd_, data, sizeof(data), 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buffer_.append(data, static_cast<size_t>(n));
  return true;
}

bool HttpConnection::read_line(std::string& line, std::chrono::steady_clock::time_point deadline) {
  while (true) {
    size_t end = buffer_.find("\r\n");
    if (end != std::string::npos) {
      line = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      return true;
    }
    if (!fill(deadline)) return false;
  }
}

bool HttpConnection::read_exact(size_t n, std::string& out,
                                std::chrono::steady_clock::time_point deadline) {
  while (buffer_.size() < n)
    if (!fill(deadline)) return false;
  out.append(buffer_, 0, n);
  buffer_.erase(0, n);
  return true;
}

std::string HttpConnection::read_head(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    size_t end = buffer_.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::string head = buffer_.substr(0, end + 4);
      buffer_.erase(0, end + 4);
      return head;
    }
    if (!fill(deadline)) return "";
  }
}

HttpResponse HttpConnection::read_response(bool head, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  HttpResponse response;
  std::string line;
  while (true) {
    if (!read_line(line, deadline)) {
      response.error = eof_ ? "connection closed before a response" : "timed out";
      return response;
    }
    if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) {
      response.error = "bad status line: " + line;
      return response;
    }
    response.status = std::stoi(line.substr(9, 3));
    response.headers.clear();
    while (true) {
      if (!read_line(line, deadline)) {
        response.error = "headers cut short";
        return response;
      }
      if (line.empty()) break;
      if (!parse_header_line(line, response.headers)) {
        response.error = "bad header line: " + line;
        return response;
      }
    }
    if (response.status >= 200) break;  // skip 100 Continue
  }
  if (head || response.status == 204 || response.status == 304) {
    response.ok = true;
    return response;
  }
  if (lower(response.header("transfer-encoding")) == "chunked") {
    while (true) {
      if (!read_line(line, deadline)) {
        response.error = "chunk size cut short";
        return response;
      }
      size_t size = std::stoul(line, nullptr, 16);
      if (size == 0) break;
      if (!read_exact(size, response.body, deadline)) {
        response.error = "chunk cut short";
        return response;
      }
      std::string crlf;
      if (!read_exact(2, crlf, deadline)) {
        response.error = "chunk end cut short";
        return response;
      }
    }
    while (true) {
      if (!read_line(line, deadline)) {
        response.error = "trailers cut short";
        return response;
      }
      if (line.empty()) break;
      parse_header_line(line, response.trailers);
    }
  } else if (response.header("content-length") != "<absent>") {
    size_t length = std::stoul(response.header("content-length"));
    if (!read_exact(length, response.body, deadline)) {
      response.error = "body cut short";
      return response;
    }
  } else {
    while (fill(deadline)) {
    }
    if (!eof_) {
      response.error = "timed out reading a body delimited by the close";
      return response;
    }
    response.body = std::move(buffer_);
    buffer_.clear();
  }
  response.ok = true;
  return response;
}

bool HttpConnection::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (fill(deadline)) buffer_.clear();
  return eof_;
}

std::string request_bytes(const std::string& method, const std::string& path,
                          const Headers& headers, const std::string& body,
                          const std::string& host) {
  std::string out = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n";
  bool has_length = false;
  for (const auto& [name, value] : headers) {
    out += name + ": " + value + "\r\n";
    if (lower(name) == "content-length" || lower(name) == "transfer-encoding") has_length = true;
  }
  if (!body.empty() && !has_length)
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n" + body;
  return out;
}

HttpResponse http_request(uint16_t port, const std::string& method, const std::string& path,
                          const Headers& headers, const std::string& body) {
  auto connection = HttpConnection::open(port);
  if (!connection) {
    HttpResponse response;
    response.error = "connection refused";
    return response;
  }
  connection->send(request_bytes(method, path, headers, body));
  return connection->read_response(method == "HEAD");
}

std::string chunk(const std::string& data) {
  char size[20];
  std::snprintf(size, sizeof(size), "%zx", data.size());
  return std::string(size) + "\r\n" + data + "\r\n";
}

}  // namespace pwplay::testing
