// HTTP/1.1 on the wire for the proxy: incremental parsing of requests (from clients) and
// responses (from upstreams) with nodejs http-parser, and the encoding of message heads and
// bodies. Bodies are handed on as they arrive, one piece per read, never buffered whole.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "abi/pairs.h"
#include "host/header_map.h"

struct http_parser;

namespace pwplay::host::proxy {

// The start line and headers of one message, as received.
struct Http1Head {
  std::string method;   // requests
  std::string target;   // requests: the request-target as sent (origin or absolute form)
  uint32_t status = 0;  // responses
  unsigned major = 1;
  unsigned minor = 1;
  abi::HeaderPairs headers;  // names as sent
  bool keep_alive = true;    // the peer allows another message on this connection
  bool has_body = false;     // a body follows (length > 0, chunked, or until close)
  bool chunked = false;
};

class Http1Handler {
 public:
  virtual ~Http1Handler() = default;
  virtual void on_head(Http1Head head) = 0;
  // Body bytes of one read (never empty).
  virtual void on_body(std::string data) = 0;
  // The message ended; `last` holds body bytes of this read not yet delivered, `trailers` the
  // chunked trailers (usually none).
  virtual void on_message_end(std::string last, abi::HeaderPairs trailers) = 0;
};

class Http1Parser {
 public:
  enum class Type { Request, Response };
  // `max_header_bytes` bounds the request line / status line plus all header (and trailer) bytes;
  // `max_headers` the number of header lines (Envoy's max_headers_count; 0: no limit).
  Http1Parser(Type type, Http1Handler& handler, size_t max_header_bytes, size_t max_headers = 100);
  ~Http1Parser();
  Http1Parser(const Http1Parser&) = delete;
  Http1Parser& operator=(const Http1Parser&) = delete;

  // Parses as much of `data` as it can and returns how many bytes it used. It stops right after
  // each complete message (paused(): call resume() before feeding the rest) and at an error.
  size_t feed(const char* data, size_t size);
  // The peer closed the connection: completes a message delimited by the close.
  void finish();
  bool paused() const { return paused_; }
  void resume();
  bool failed() const { return error_status_ != 0; }
  // 400 (malformed), 431 (headers too large or too many), 501 (CONNECT, a transfer coding other
  // than chunked), 505 (an HTTP version other than 1.0 and 1.1) or 502 (an upstream's malformed
  // response).
  uint32_t error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }
  // True between the first byte of a message and its end.
  bool in_message() const { return in_message_; }
  // The response being parsed answers a HEAD request: it has no body whatever it says.
  void expect_no_body(bool value) { no_body_ = value; }

 private:
  struct Callbacks;
  void flush_body();
  void fail(uint32_t status, std::string message);
  bool add_header_bytes(size_t n);
  // What http-parser lets through in its lenient mode, checked on the raw bytes of each message
  // head before it parses them: obs-fold, whitespace in or after a field name, too many lines.
  bool scan_head(const char* data, size_t size);
  // The CRLF that must follow each chunk's data, from `from` to the end of the current input.
  bool check_chunk_crlf(const char* from);
  // RFC 9112 rules on a complete request head (version, Host, framing headers, CONNECT).
  bool check_request_head(const http_parser& parser);
  uint32_t malformed_status() const { return type_ == Type::Request ? 400 : 502; }

  Type type_;
  Http1Handler& handler_;
  size_t max_header_bytes_;
  size_t max_headers_;
  std::unique_ptr<http_parser> parser_;
  Http1Head head_;
  std::string field_;
  std::string value_;
  bool last_was_value_ = false;
  bool in_trailers_ = false;
  abi::HeaderPairs trailers_;
  std::string body_;
  size_t header_bytes_ = 0;
  bool paused_ = false;
  bool in_message_ = false;
  bool no_body_ = false;
  uint32_t error_status_ = 0;
  std::string error_message_;
  // The raw head scan (scan_head).
  enum class Scan : uint8_t { LineStart, Name, Value, Cr, Body };
  Scan scan_ = Scan::LineStart;
  bool scan_first_line_ = true;
  size_t scan_lines_ = 0;
  // Chunk framing: data bytes left in the current chunk, CRLF bytes still expected after it.
  uint64_t chunk_left_ = 0;
  int crlf_expected_ = 0;
  const char* input_end_ = nullptr;  // end of the bytes given to the current feed()
};

// How a body is delimited on the wire.
enum class Framing : uint8_t { None, Length, Chunked, UntilClose };

struct EncodedHead {
  std::string bytes;
  Framing framing = Framing::None;
  uint64_t length = 0;  // Framing::Length
};

// Hop-by-hop headers a proxy never forwards (connection, keep-alive, transfer-encoding, ...).
bool is_hop_by_hop(std::string_view lower_name);
// Whether a field may travel in trailers: not framing (content-length), routing (host) or
// hop-by-hop ones (RFC 9110 section 6.5.1).
bool allowed_in_trailers(std::string_view lower_name);
// The lower-cased field names a message's Connection headers nominate as hop-by-hop (without
// "close"): they are removed before the message is forwarded.
std::vector<std::string> connection_options(const abi::HeaderPairs& headers);

// The request line and headers for the upstream, from a filtered header map (":method", ":path",
// ":authority" become the request line and Host). Without content-length, a request with a body
// is sent chunked.
EncodedHead encode_request_head(const HeaderMap& headers, bool end_stream);

// The status line and headers for the client. `http11`: the client speaks HTTP/1.1 (else
// chunked is not allowed and the body runs until close). `close`: this is the last response on
// the connection. `no_body`: the response to a HEAD, or a status without a body.
EncodedHead encode_response_head(const HeaderMap& headers, bool end_stream, bool http11, bool close,
                                 bool no_body);

// A status line with a short text body, for the proxy's own answers (400, 431, 502, ...).
std::string encode_simple_response(uint32_t status, std::string_view body, bool close);

// Chunked framing of one piece of a body, and the last chunk with optional trailers.
void append_chunk(std::string& out, std::string_view data);
std::string last_chunk(const abi::HeaderPairs& trailers);

std::string_view reason_phrase(uint32_t status);
// The first words of the proxy's own answer to a refused request ("bad request: ", ...).
std::string_view refusal_prefix(uint32_t status);

}  // namespace pwplay::host::proxy
