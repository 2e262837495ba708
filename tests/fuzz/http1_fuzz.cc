// Fuzz target: the proxy's HTTP/1.1 path (host/proxy/http1_codec.h) without sockets: bytes go to
// the parser in reads of fuzzed sizes, as a connection delivers them (resuming after each message,
// stopping at an error), and what the parser hands on is turned into a header map and encoded for
// the other side, as the proxy forwards it. The first byte picks a request or a response stream,
// the read size and the header limit; http-parser itself is not the target.
#include <algorithm>
#include <string>

#include "fuzz_support.h"
#include "host/header_map.h"
#include "host/proxy/http1_codec.h"

namespace {

using pwplay::host::HeaderMap;
namespace proxy = pwplay::host::proxy;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

class Forwarder : public proxy::Http1Handler {
 public:
  explicit Forwarder(bool request) : request_(request) {}
  void on_head(proxy::Http1Head head) override {
    HeaderMap headers;
    if (request_) {
      std::string authority;
      for (const auto& [name, value] : head.headers)
        if (authority.empty() && lower(name) == "host") authority = value;
      headers.add(":method", head.method);
      headers.add(":path", head.target);
      headers.add(":authority", authority);
    } else {
      headers.add(":status", std::to_string(head.status));
    }
    for (const auto& [name, value] : head.headers) {
      std::string name_lower = lower(name);
      if (name_lower == "host" || proxy::is_hop_by_hop(name_lower)) continue;
      headers.add(name_lower, value);
    }
    const bool end_stream = !head.has_body;
    out_ += request_ ? proxy::encode_request_head(headers, end_stream).bytes
                     : proxy::encode_response_head(headers, end_stream, head.minor != 0,
                                                   !head.keep_alive, false)
                           .bytes;
  }
  void on_body(std::string data) override { proxy::append_chunk(out_, data); }
  void on_message_end(std::string last, pwplay::abi::HeaderPairs trailers) override {
    if (!last.empty()) proxy::append_chunk(out_, last);
    out_ += proxy::last_chunk(trailers);
  }
  // Bounds what a run keeps: only the encoding is under test, not the concatenation.
  void trim() {
    if (out_.size() > 1 << 16) out_.clear();
  }

 private:
  bool request_;
  std::string out_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t control = data[0];
  const bool request = (control & 1) == 0;
  const size_t read_size = 1 + ((control >> 1) & 0x1f) * 7;  // 1 .. 218 bytes per read
  const size_t max_header_bytes = (control & 0x40) ? 256 : 60 * 1024;
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  size_t left = size - 1;

  Forwarder forwarder(request);
  proxy::Http1Parser parser(
      request ? proxy::Http1Parser::Type::Request : proxy::Http1Parser::Type::Response, forwarder,
      max_header_bytes);
  parser.expect_no_body((control & 0x80) != 0 && !request);
  // The connection's read loop: feed what arrived, resume after each message, stop on an error.
  while (left > 0 && !parser.failed()) {
    const size_t piece = std::min(left, read_size);
    size_t offset = 0;
    while (offset < piece && !parser.failed()) {
      size_t used = parser.feed(bytes + offset, piece - offset);
      offset += used;
      forwarder.trim();
      if (parser.paused()) {
        parser.resume();
      } else if (used == 0) {
        break;
      }
    }
    if (offset == 0 && !parser.failed()) break;  // nothing taken: the parser is stuck
    bytes += offset;
    left -= offset;
  }
  if (!parser.failed()) parser.finish();
  if (parser.failed()) {
    if (parser.error_message().empty()) std::abort();
    (void)proxy::encode_simple_response(parser.error_status(), parser.error_message(), true);
  }
  return 0;
}
