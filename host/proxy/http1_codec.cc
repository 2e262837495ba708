#include "host/proxy/http1_codec.h"

#include <cassert>
#include <charconv>
#include <climits>
#include <cstdio>
#include <mutex>

#include <http_parser.h>

#include "host/header_rules.h"
#include "host/trace.h"

namespace pwplay::host::proxy {

// --- Parser -------------------------------------------------------------------------------------

struct Http1Parser::Callbacks {
  static Http1Parser& self(http_parser* p) { return *static_cast<Http1Parser*>(p->data); }

  static int on_message_begin(http_parser* p) {
    Http1Parser& s = self(p);
    s.in_message_ = true;
    s.head_ = Http1Head{};
    s.field_.clear();
    s.value_.clear();
    s.last_was_value_ = false;
    s.in_trailers_ = false;
    s.trailers_.clear();
    s.header_bytes_ = 0;
    s.chunk_left_ = 0;
    s.crlf_expected_ = 0;
    return 0;
  }
  static int on_url(http_parser* p, const char* at, size_t length) {
    Http1Parser& s = self(p);
    if (!s.add_header_bytes(length)) return 1;
    s.head_.target.append(at, length);
    return 0;
  }
  static int on_status(http_parser* p, const char*, size_t length) {
    return self(p).add_header_bytes(length) ? 0 : 1;
  }
  static void commit(Http1Parser& s) {
    if (!s.last_was_value_) return;
    // Framing, routing and hop-by-hop fields have no meaning in trailers: they are dropped.
    if (!s.in_trailers_ || allowed_in_trailers(to_lower(s.field_)))
      (s.in_trailers_ ? s.trailers_ : s.head_.headers)
          .emplace_back(std::move(s.field_), std::move(s.value_));
    s.field_.clear();
    s.value_.clear();
    s.last_was_value_ = false;
  }
  static int on_header_field(http_parser* p, const char* at, size_t length) {
    Http1Parser& s = self(p);
    if (!s.add_header_bytes(length)) return 1;
    commit(s);
    s.field_.append(at, length);
    return 0;
  }
  static int on_header_value(http_parser* p, const char* at, size_t length) {
    Http1Parser& s = self(p);
    if (!s.add_header_bytes(length)) return 1;
    s.value_.append(at, length);
    s.last_was_value_ = true;
    return 0;
  }
  static int on_headers_complete(http_parser* p) {
    Http1Parser& s = self(p);
    commit(s);
    Http1Head& head = s.head_;
    head.major = p->http_major;
    head.minor = p->http_minor;
    head.keep_alive = http_should_keep_alive(p) != 0;
    head.chunked = (p->flags & F_CHUNKED) != 0;
    const bool has_length = (p->flags & F_CONTENTLENGTH) != 0;
    const bool positive_length =
        has_length && p->content_length > 0 && p->content_length != ULLONG_MAX;
    bool skip_body = false;
    if (s.type_ == Type::Request) {
      head.method = http_method_str(static_cast<http_method>(p->method));
      head.has_body = head.chunked || positive_length;
      if (!s.check_request_head(*p)) return -1;
      // An Upgrade request is served as a plain HTTP/1.1 request (the Upgrade and Connection
      // headers are not forwarded): the parser must go on reading HTTP after it.
      p->upgrade = 0;
    } else {
      head.status = p->status_code;
      const bool bodiless_status =
          (head.status >= 100 && head.status < 200) || head.status == 204 || head.status == 304;
      if (s.no_body_ || bodiless_status) {
        skip_body = true;
        head.has_body = false;
      } else {
        // Without a length or chunking, a response body runs until the connection closes.
        head.has_body = head.chunked || positive_length || !has_length;
      }
    }
    s.in_trailers_ = true;  // header lines after this point are trailers
    s.handler_.on_head(std::move(s.head_));
    s.head_ = Http1Head{};
    return skip_body ? 1 : 0;
  }
  static int on_chunk_header(http_parser* p) {
    self(p).chunk_left_ = p->content_length;
    return 0;
  }
  static int on_body(http_parser* p, const char* at, size_t length) {
    Http1Parser& s = self(p);
    s.body_.append(at, length);
    if (s.chunk_left_ > 0) {
      s.chunk_left_ -= std::min<uint64_t>(s.chunk_left_, length);
      if (s.chunk_left_ == 0) {
        // http-parser skips the two bytes after a chunk's data unchecked.
        s.crlf_expected_ = 2;
        if (!s.check_chunk_crlf(at + length)) return 1;
      }
    }
    return 0;
  }
  static int on_message_complete(http_parser* p) {
    Http1Parser& s = self(p);
    commit(s);
    s.in_message_ = false;
    s.scan_ = Scan::LineStart;  // the next bytes start the next message's head
    s.scan_first_line_ = true;
    s.scan_lines_ = 0;
    s.paused_ = true;
    http_parser_pause(p, 1);
    std::string last = std::move(s.body_);
    s.body_.clear();
    abi::HeaderPairs trailers = std::move(s.trailers_);
    s.trailers_.clear();
    s.handler_.on_message_end(std::move(last), std::move(trailers));
    return 0;
  }

  static const http_parser_settings& settings() {
    static const http_parser_settings table = [] {
      http_parser_settings t;
      http_parser_settings_init(&t);
      t.on_message_begin = on_message_begin;
      t.on_url = on_url;
      t.on_status = on_status;
      t.on_header_field = on_header_field;
      t.on_header_value = on_header_value;
      t.on_headers_complete = on_headers_complete;
      t.on_body = on_body;
      t.on_chunk_header = on_chunk_header;
      t.on_message_complete = on_message_complete;
      return t;
    }();
    return table;
  }
};

Http1Parser::Http1Parser(Type type, Http1Handler& handler, size_t max_header_bytes,
                         size_t max_headers)
    : type_(type),
      handler_(handler),
      max_header_bytes_(max_header_bytes),
      max_headers_(max_headers),
      parser_(std::make_unique<http_parser>()) {
  // The library's own (process-wide) limit is raised once: the per-parser limit above decides.
  static std::once_flag raised;
  std::call_once(raised, [] { http_parser_set_max_header_size(64u << 20); });
  http_parser_init(parser_.get(), type == Type::Request ? HTTP_REQUEST : HTTP_RESPONSE);
  parser_->data = this;
}

Http1Parser::~Http1Parser() = default;

bool Http1Parser::add_header_bytes(size_t n) {
  header_bytes_ += n;
  if (header_bytes_ <= max_header_bytes_) return true;
  fail(type_ == Type::Request ? 431 : 502,
       std::string(type_ == Type::Request ? "the request" : "the response") +
           " headers are larger than the limit of " + std::to_string(max_header_bytes_) + " bytes");
  return false;
}

void Http1Parser::fail(uint32_t status, std::string message) {
  if (error_status_ != 0) return;
  error_status_ = status;
  error_message_ = std::move(message);
}

void Http1Parser::flush_body() {
  if (body_.empty()) return;
  std::string data = std::move(body_);
  body_.clear();
  handler_.on_body(std::move(data));
}

bool Http1Parser::scan_head(const char* data, size_t size) {
  for (size_t i = 0; i < size && scan_ != Scan::Body; ++i) {
    const char c = data[i];
    switch (scan_) {
      case Scan::LineStart:
        if (c == '\r' || c == '\n') {
          scan_ = c == '\r' ? Scan::Cr : Scan::LineStart;
          // An empty line ends the head (empty lines before the first line are skipped).
          if (c == '\n' && !scan_first_line_) scan_ = Scan::Body;
        } else if (scan_first_line_) {
          scan_ = Scan::Value;
        } else if (c == ' ' || c == '\t') {
          fail(malformed_status(),
               "a header line starts with whitespace (obs-fold line folding is not accepted)");
          return false;
        } else {
          scan_ = Scan::Name;
          if (max_headers_ > 0 && ++scan_lines_ > max_headers_) {
            fail(type_ == Type::Request ? 431 : 502,
                 "more than " + std::to_string(max_headers_) + " header fields (the limit)");
            return false;
          }
        }
        break;
      case Scan::Cr:
        if (c == '\n') {
          scan_ = scan_first_line_ ? Scan::LineStart : Scan::Body;
        } else {
          scan_ = Scan::Value;  // a bare CR: the parser refuses it
        }
        break;
      case Scan::Name:
        if (c == ':') {
          scan_ = Scan::Value;
        } else if (c == ' ' || c == '\t') {
          fail(malformed_status(),
               "whitespace in a header name or between a header name and its colon");
          return false;
        } else if (c == '\n') {
          scan_ = Scan::LineStart;  // no colon: the parser refuses the line
        }
        break;
      case Scan::Value:
        if (c == '\n') {
          scan_ = Scan::LineStart;
          scan_first_line_ = false;
        }
        break;
      case Scan::Body:
        break;
    }
  }
  return true;
}

bool Http1Parser::check_chunk_crlf(const char* from) {
  while (crlf_expected_ > 0 && from < input_end_) {
    const char want = crlf_expected_ == 2 ? '\r' : '\n';
    if (*from != want) {
      fail(malformed_status(), "chunk data is not followed by CRLF (a wrong chunk size?)");
      return false;
    }
    ++from;
    --crlf_expected_;
  }
  return true;
}

bool Http1Parser::check_request_head(const http_parser& parser) {
  if (parser.http_major != 1 || parser.http_minor > 1) {
    fail(505, "HTTP/" + std::to_string(parser.http_major) + "." +
                  std::to_string(parser.http_minor) +
                  " is not supported (HTTP/1.0 and HTTP/1.1 are)");
    return false;
  }
  if (parser.method == HTTP_CONNECT) {
    fail(501, "CONNECT (tunnelling) is not supported by the playground proxy");
    return false;
  }
  size_t hosts = 0;
  std::string codings;
  bool has_coding = false;
  for (const auto& [name, value] : head_.headers) {
    if (iequals(name, "host")) ++hosts;
    if (iequals(name, "transfer-encoding")) {
      codings += (has_coding ? ", " : "") + value;
      has_coding = true;
    }
  }
  if (hosts > 1) {
    fail(400, "more than one Host header");
    return false;
  }
  const std::string& target = head_.target;
  const bool absolute_form = !target.empty() && target[0] != '/' && target != "*";
  if (hosts == 0 && parser.http_minor == 1 && !absolute_form) {
    fail(400, "an HTTP/1.1 request without a Host header");
    return false;
  }
  if (has_coding) {
    if (parser.http_minor == 0) {
      fail(400, "Transfer-Encoding in an HTTP/1.0 request");
      return false;
    }
    std::string_view text = codings;
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (!iequals(text, "chunked")) {
      fail(501, "Transfer-Encoding '" + codings +
                    "' is not supported (only a single 'chunked' coding is)");
      return false;
    }
    if ((parser.flags & F_CONTENTLENGTH) != 0) {
      fail(400, "both Content-Length and Transfer-Encoding");
      return false;
    }
  }
  return true;
}

size_t Http1Parser::feed(const char* data, size_t size) {
  if (failed() || paused_ || size == 0) return 0;
  input_end_ = data + size;
  if (crlf_expected_ > 0 && !check_chunk_crlf(data)) return 0;
  if (scan_ != Scan::Body && !scan_head(data, size)) return 0;
  size_t used = http_parser_execute(parser_.get(), &Callbacks::settings(), data, size);
  auto error = HTTP_PARSER_ERRNO(parser_.get());
  if (error == HPE_PAUSED) return used;
  if (error != HPE_OK) {
    if (error == HPE_HEADER_OVERFLOW)
      fail(431, "the headers are larger than the limit");
    else
      fail(type_ == Type::Request ? 400 : 502,
           std::string(http_errno_description(error)) + " (" + http_errno_name(error) + ")");
    return used;
  }
  if (type_ == Type::Response && parser_->upgrade) {
    fail(type_ == Type::Request ? 501 : 502,
         "protocol upgrades (CONNECT, WebSocket) are not supported by the playground proxy");
    return used;
  }
  flush_body();
  return used;
}

void Http1Parser::finish() {
  if (failed() || paused_) return;
  http_parser_execute(parser_.get(), &Callbacks::settings(), nullptr, 0);
  auto error = HTTP_PARSER_ERRNO(parser_.get());
  if (error != HPE_OK && error != HPE_PAUSED)
    fail(type_ == Type::Request ? 400 : 502,
         std::string(http_errno_description(error)) + " (" + http_errno_name(error) + ")");
}

void Http1Parser::resume() {
  if (!paused_) return;
  paused_ = false;
  http_parser_pause(parser_.get(), 0);
}

// --- Encoding -----------------------------------------------------------------------------------

bool is_hop_by_hop(std::string_view name) {
  return name == "connection" || name == "keep-alive" || name == "proxy-connection" ||
         name == "transfer-encoding" || name == "upgrade" || name == "te" ||
         name == "proxy-authenticate" || name == "trailer";
}

bool allowed_in_trailers(std::string_view name) {
  return !is_hop_by_hop(name) && name != "content-length" && name != "host" &&
         name != "content-type" && name != "content-encoding" && name != "expect";
}

std::vector<std::string> connection_options(const abi::HeaderPairs& headers) {
  std::vector<std::string> names;
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "connection")) continue;
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      std::string token = to_lower(value.substr(start, comma - start));
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.erase(0, 1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.pop_back();
      // Framing and routing stay: the proxy frames and routes the message itself.
      if (!token.empty() && token != "close" && token != "host" && token != "content-length")
        names.push_back(std::move(token));
      start = comma + 1;
    }
  }
  return names;
}

namespace {

// The last line of defence against header injection: the ABI host refuses such headers
// (host/header_rules.h) and the parser never yields them, so a line break here is a bug (an
// assertion in debug builds); whatever the build, such a header never reaches the wire.
void append_header(std::string& out, std::string_view name, std::string_view value) {
  if (!is_safe_header_line(name, value)) {
    assert(!has_line_break_or_nul(name) && !has_line_break_or_nul(value));
    std::fprintf(stderr, "pwplay proxy: dropped header '%s' (a line break, NUL or a bad name)\n",
                 printable(name, 64).c_str());
    return;
  }
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

std::optional<uint64_t> parse_length(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Appends the regular headers and returns the declared content-length, if any.
std::optional<uint64_t> append_headers(std::string& out, const HeaderMap& headers) {
  std::optional<uint64_t> length;
  for (const auto& [name, value] : headers.pairs()) {
    if (name.empty() || name[0] == ':' || is_hop_by_hop(name)) continue;
    if (name == "content-length") {
      if (length) continue;  // one content-length only
      length = parse_length(value);
      if (!length) continue;  // an invalid value is dropped rather than sent on
    }
    append_header(out, name, value);
  }
  return length;
}

}  // namespace

EncodedHead encode_request_head(const HeaderMap& headers, bool end_stream) {
  EncodedHead head;
  std::string& out = head.bytes;
  out.reserve(256);
  auto method = headers.get(":method");
  auto path = headers.get(":path");
  // As append_header: an unsafe request line part is a bug upstream of here, never sent.
  for (auto* part : {&method, &path}) {
    if (*part && !is_safe_start_line_part(**part)) {
      assert(!has_line_break_or_nul(**part));
      std::fprintf(stderr, "pwplay proxy: replaced unsafe %s '%s'\n",
                   part == &method ? ":method" : ":path", printable(**part, 64).c_str());
      part->reset();
    }
  }
  out.append(method && !method->empty() ? *method : std::string_view("GET"));
  out.push_back(' ');
  out.append(path && !path->empty() ? *path : std::string_view("/"));
  out.append(" HTTP/1.1\r\n");
  if (auto authority = headers.get(":authority"); authority && !authority->empty())
    append_header(out, "host", *authority);
  std::optional<uint64_t> length = append_headers(out, headers);
  if (length) {
    head.framing = Framing::Length;
    head.length = *length;
  } else if (!end_stream) {
    append_header(out, "transfer-encoding", "chunked");
    head.framing = Framing::Chunked;
  }
  out.append("\r\n");
  return head;
}

EncodedHead encode_response_head(const HeaderMap& headers, bool end_stream, bool http11, bool close,
                                 bool no_body) {
  EncodedHead head;
  std::string& out = head.bytes;
  out.reserve(256);
  uint32_t status = 0;
  if (auto text = headers.get(":status"))
    std::from_chars(text->data(), text->data() + text->size(), status);
  if (status < 100 || status > 999) status = 502;
  out.append("HTTP/1.1 ");
  out.append(std::to_string(status));
  out.push_back(' ');
  out.append(reason_phrase(status));
  out.append("\r\n");
  std::optional<uint64_t> length = append_headers(out, headers);
  const bool bodiless_status = status < 200 || status == 204 || status == 304;
  if (no_body || bodiless_status) {
    head.framing = Framing::None;
  } else if (length) {
    head.framing = Framing::Length;
    head.length = *length;
  } else if (end_stream) {
    append_header(out, "content-length", "0");
    head.framing = Framing::Length;
  } else if (http11) {
    append_header(out, "transfer-encoding", "chunked");
    head.framing = Framing::Chunked;
  } else {
    head.framing = Framing::UntilClose;
    close = true;
  }
  if (close)
    append_header(out, "connection", "close");
  else if (!http11)
    append_header(out, "connection", "keep-alive");
  out.append("\r\n");
  return head;
}

std::string encode_simple_response(uint32_t status, std::string_view body, bool close) {
  std::string out =
      "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason_phrase(status)) + "\r\n";
  append_header(out, "content-type", "text/plain");
  append_header(out, "content-length", std::to_string(body.size()));
  if (close) append_header(out, "connection", "close");
  out.append("\r\n");
  out.append(body);
  return out;
}

void append_chunk(std::string& out, std::string_view data) {
  if (data.empty()) return;
  char size[20];
  auto [end, ec] = std::to_chars(size, size + sizeof(size), data.size(), 16);
  (void)ec;
  out.append(size, end);
  out.append("\r\n");
  out.append(data);
  out.append("\r\n");
}

std::string last_chunk(const abi::HeaderPairs& trailers) {
  std::string out = "0\r\n";
  for (const auto& [name, value] : trailers) {
    if (name.empty() || name[0] == ':' || !allowed_in_trailers(to_lower(name))) continue;
    append_header(out, name, value);
  }
  out.append("\r\n");
  return out;
}

std::string_view refusal_prefix(uint32_t status) {
  switch (status) {
    case 408:
      return "request timeout: ";
    case 413:
      return "payload too large: ";
    case 431:
      return "request header fields too large: ";
    case 501:
      return "not implemented: ";
    case 505:
      return "HTTP version not supported: ";
    default:
      return "bad request: ";
  }
}

std::string_view reason_phrase(uint32_t status) {
  const char* text = http_status_str(static_cast<http_status>(status));
  return text ? std::string_view(text) : std::string_view("Unknown");
}

}  // namespace pwplay::host::proxy
