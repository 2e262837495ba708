// What the test HTTP client and the test upstream both do on their sockets: sending whole
// buffers, and reading HTTP/1.1 header lines into lower-cased (name, value) pairs.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pwplay::testing {

// The same alias as in http_test_client.h.
using Headers = std::vector<std::pair<std::string, std::string>>;

std::string lower(std::string text);
// Without leading spaces and tabs, and without trailing spaces, tabs and CRs.
std::string trim(std::string text);

// Appends "Name: value" as (lower-cased name, trimmed value); false when the line has no colon.
bool parse_header_line(const std::string& line, Headers& into);
// First value of `name` (lower-case) in `headers`, or "<absent>".
std::string header_value(const Headers& headers, const std::string& name);
size_t header_count(const Headers& headers, const std::string& name);

// Sends all of `bytes` (no SIGPIPE); false when the socket fails first.
bool send_all(int fd, const std::string& bytes);
// Small requests and responses go out at once instead of waiting for Nagle's timer.
void set_no_delay(int fd);

}  // namespace pwplay::testing
