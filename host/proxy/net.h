// Socket addresses for the proxy: names are resolved once, when the proxy starts, so the event
// loop never waits on DNS.
#pragma once

#include <sys/socket.h>

#include <string>

#include "abi/result.h"
#include "host/proxy/proxy.h"

namespace pwplay::host::proxy {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;  // "127.0.0.1:8080", for messages
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// Resolves `address` (numeric or a name such as localhost). `what` names it in errors.
Result<SocketAddress> resolve(const HostPort& address, const std::string& what);

// The printable "ip:port" of a socket address, and its parts.
std::string address_text(const sockaddr* address);
void address_parts(const sockaddr* address, std::string& ip, uint32_t& port);

// Disables Nagle's algorithm: the proxy writes whole messages and wants them out at once.
void set_no_delay(int fd);

}  // namespace pwplay::host::proxy
