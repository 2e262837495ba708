#include "host/proxy/net.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <charconv>
#include <cstring>

namespace pwplay::host::proxy {

Result<HostPort> parse_host_port(const std::string& text, const std::string& what) {
  auto bad = [&](const std::string& why) -> Result<HostPort> {
    return make_error(what + " '" + text + "' is not HOST:PORT (" + why + ")");
  };
  std::string host;
  std::string port_text;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return bad("an IPv6 address is written [ADDRESS]:PORT");
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) return bad("no port");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (host.empty()) return bad("no host");
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535)
    return bad("the port must be a number from 0 to 65535");
  return HostPort{host, static_cast<uint16_t>(port)};
}

Result<HostPort> parse_listen_address(const std::string& text, const std::string& what) {
  std::string full = text;
  if (!full.empty() && full.find(':') == std::string::npos) full = "127.0.0.1:" + full;
  if (!full.empty() && full[0] == ':') full = "127.0.0.1" + full;
  return parse_host_port(full, what);
}

Result<std::pair<std::string, HostPort>> parse_cluster(const std::string& text) {
  size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0)
    return make_error("--cluster '" + text +
                      "': expected NAME=HOST:PORT, e.g. auth=127.0.0.1:9000");
  std::string name = text.substr(0, equals);
  auto address = parse_host_port(text.substr(equals + 1), "--cluster " + name + ":");
  if (!address)
    return make_error("--cluster '" + text + "': expected NAME=HOST:PORT (" +
                      address.error().message + ")");
  if (address->port == 0)
    return make_error("--cluster '" + text + "': expected NAME=HOST:PORT with a port above 0");
  return std::make_pair(name, *address);
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return false;
}

UpstreamConfig UpstreamConfig::mock_response(ResponseSpec response) {
  UpstreamConfig config;
  config.kind = Kind::Mock;
  config.mock = std::move(response);
  return config;
}

UpstreamConfig UpstreamConfig::remote_at(HostPort address) {
  UpstreamConfig config;
  config.kind = Kind::Remote;
  config.remote = std::move(address);
  return config;
}

Result<UpstreamConfig> parse_upstream(const std::string& text) {
  if (text == "echo") return UpstreamConfig::echo();
  auto address = parse_host_port(text, "--upstream");
  if (!address)
    return make_error("--upstream '" + text + "': expected 'echo' or HOST:PORT (" +
                      address.error().message + ")");
  if (address->port == 0) return make_error("--upstream '" + text + "': the port must be above 0");
  return UpstreamConfig::remote_at(*address);
}

Result<SocketAddress> resolve(const HostPort& address, const std::string& what) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string port = std::to_string(address.port);
  int rc = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0 || !found)
    return make_error(what + " " + address.host + ":" + port + ": cannot resolve '" + address.host +
                      "' (" + gai_strerror(rc) + ")");
  SocketAddress out;
  // Prefer IPv4 when a name has both (loopback services usually listen there).
  const addrinfo* pick = found;
  for (const addrinfo* a = found; a; a = a->ai_next)
    if (a->ai_family == AF_INET) {
      pick = a;
      break;
    }
  std::memcpy(&out.storage, pick->ai_addr, pick->ai_addrlen);
  out.length = static_cast<socklen_t>(pick->ai_addrlen);
  freeaddrinfo(found);
  out.text = address_text(out.get());
  return out;
}

void address_parts(const sockaddr* address, std::string& ip, uint32_t& port) {
  char buffer[INET6_ADDRSTRLEN] = {0};
  if (address->sa_family == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    inet_ntop(AF_INET, &v4->sin_addr, buffer, sizeof(buffer));
    port = ntohs(v4->sin_port);
  } else if (address->sa_family == AF_INET6) {
    auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    inet_ntop(AF_INET6, &v6->sin6_addr, buffer, sizeof(buffer));
    port = ntohs(v6->sin6_port);
  } else {
    port = 0;
  }
  ip = buffer;
}

std::string address_text(const sockaddr* address) {
  std::string ip;
  uint32_t port = 0;
  address_parts(address, ip, port);
  if (address->sa_family == AF_INET6) return "[" + ip + "]:" + std::to_string(port);
  return ip + ":" + std::to_string(port);
}

void set_no_delay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

}  // namespace pwplay::host::proxy
