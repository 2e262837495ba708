#include "debugger/formats/curl.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>

#include "debugger/formats/shell_words.h"
#include "host/header_map.h"

namespace pwplay::debugger {
namespace {

using shell_words::hex_value;
using shell_words::position;
using shell_words::simple_escape;
using shell_words::split_words;
using shell_words::Word;

using host::iequals;
using host::to_lower;
std::string percent_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// What an option does to the request.
enum class Action {
  Method,         // -X
  Header,         // -H
  Data,           // -d, --data, --data-ascii: '@file' refused
  DataRaw,        // --data-raw: literal
  DataBinary,     // --data-binary: '@-' is the piped stdin
  DataUrlencode,  // --data-urlencode
  Json,           // --json
  Cookie,         // -b
  User,           // -u
  UserAgent,      // -A
  Referer,        // -e
  Bearer,         // --oauth2-bearer
  Range,          // -r
  Url,            // --url
  Get,            // -G
  Head,           // -I
  RequestTarget,  // --request-target
  Unsupported,    // options that would change the request in ways a REQ.json cannot say
  IgnoreWithArg,  // curl-only behaviour that takes a value
  Ignore,         // curl-only behaviour flags
};

struct OptionSpec {
  std::string_view long_name;
  char short_name;
  Action action;
  bool takes_value;
};

constexpr OptionSpec kOptions[] = {
    {"request", 'X', Action::Method, true},
    {"header", 'H', Action::Header, true},
    {"data", 'd', Action::Data, true},
    {"data-ascii", 0, Action::Data, true},
    {"data-raw", 0, Action::DataRaw, true},
    {"data-binary", 0, Action::DataBinary, true},
    {"data-urlencode", 0, Action::DataUrlencode, true},
    {"json", 0, Action::Json, true},
    {"cookie", 'b', Action::Cookie, true},
    {"user", 'u', Action::User, true},
    {"user-agent", 'A', Action::UserAgent, true},
    {"referer", 'e', Action::Referer, true},
    {"oauth2-bearer", 0, Action::Bearer, true},
    {"range", 'r', Action::Range, true},
    {"url", 0, Action::Url, true},
    {"get", 'G', Action::Get, false},
    {"head", 'I', Action::Head, false},
    {"request-target", 0, Action::RequestTarget, true},
    {"form", 'F', Action::Unsupported, true},
    {"form-string", 0, Action::Unsupported, true},
    {"upload-file", 'T', Action::Unsupported, true},
    {"config", 'K', Action::Unsupported, true},
    {"next", ':', Action::Unsupported, false},
    // Options that take a value but only change how curl itself behaves.
    {"output", 'o', Action::IgnoreWithArg, true},
    {"max-time", 'm', Action::IgnoreWithArg, true},
    {"connect-timeout", 0, Action::IgnoreWithArg, true},
    {"retry", 0, Action::IgnoreWithArg, true},
    {"retry-delay", 0, Action::IgnoreWithArg, true},
    {"retry-max-time", 0, Action::IgnoreWithArg, true},
    {"write-out", 'w', Action::IgnoreWithArg, true},
    {"resolve", 0, Action::IgnoreWithArg, true},
    {"connect-to", 0, Action::IgnoreWithArg, true},
    {"cacert", 0, Action::IgnoreWithArg, true},
    {"capath", 0, Action::IgnoreWithArg, true},
    {"cert", 'E', Action::IgnoreWithArg, true},
    {"cert-type", 0, Action::IgnoreWithArg, true},
    {"key", 0, Action::IgnoreWithArg, true},
    {"key-type", 0, Action::IgnoreWithArg, true},
    {"pass", 0, Action::IgnoreWithArg, true},
    {"proxy", 'x', Action::IgnoreWithArg, true},
    {"proxy-user", 'U', Action::IgnoreWithArg, true},
    {"noproxy", 0, Action::IgnoreWithArg, true},
    {"limit-rate", 0, Action::IgnoreWithArg, true},
    {"max-redirs", 0, Action::IgnoreWithArg, true},
    {"cookie-jar", 'c', Action::IgnoreWithArg, true},
    {"dump-header", 'D', Action::IgnoreWithArg, true},
    {"interface", 0, Action::IgnoreWithArg, true},
    {"trace", 0, Action::IgnoreWithArg, true},
    {"trace-ascii", 0, Action::IgnoreWithArg, true},
    {"stderr", 0, Action::IgnoreWithArg, true},
    {"unix-socket", 0, Action::IgnoreWithArg, true},
    {"abstract-unix-socket", 0, Action::IgnoreWithArg, true},
    {"ciphers", 0, Action::IgnoreWithArg, true},
    {"tls-max", 0, Action::IgnoreWithArg, true},
    {"keepalive-time", 0, Action::IgnoreWithArg, true},
    {"expect100-timeout", 0, Action::IgnoreWithArg, true},
    {"dns-servers", 0, Action::IgnoreWithArg, true},
    {"local-port", 0, Action::IgnoreWithArg, true},
    {"pinnedpubkey", 0, Action::IgnoreWithArg, true},
    {"proto", 0, Action::IgnoreWithArg, true},
    {"proto-default", 0, Action::IgnoreWithArg, true},
    {"proto-redir", 0, Action::IgnoreWithArg, true},
    {"speed-limit", 'Y', Action::IgnoreWithArg, true},
    {"speed-time", 'y', Action::IgnoreWithArg, true},
    // Flags that only change how curl itself behaves.
    {"compressed", 0, Action::Ignore, false},
    {"silent", 's', Action::Ignore, false},
    {"show-error", 'S', Action::Ignore, false},
    {"insecure", 'k', Action::Ignore, false},
    {"location", 'L', Action::Ignore, false},
    {"location-trusted", 0, Action::Ignore, false},
    {"include", 'i', Action::Ignore, false},
    {"verbose", 'v', Action::Ignore, false},
    {"fail", 'f', Action::Ignore, false},
    {"fail-with-body", 0, Action::Ignore, false},
    {"fail-early", 0, Action::Ignore, false},
    {"no-buffer", 'N', Action::Ignore, false},
    {"globoff", 'g', Action::Ignore, false},
    {"progress-bar", '#', Action::Ignore, false},
    {"no-progress-meter", 0, Action::Ignore, false},
    {"remote-name", 'O', Action::Ignore, false},
    {"remote-name-all", 0, Action::Ignore, false},
    {"remote-header-name", 'J', Action::Ignore, false},
    {"http1.0", '0', Action::Ignore, false},
    {"http1.1", 0, Action::Ignore, false},
    {"http2", 0, Action::Ignore, false},
    {"http2-prior-knowledge", 0, Action::Ignore, false},
    {"http3", 0, Action::Ignore, false},
    {"http3-only", 0, Action::Ignore, false},
    {"ipv4", '4', Action::Ignore, false},
    {"ipv6", '6', Action::Ignore, false},
    {"tlsv1", '1', Action::Ignore, false},
    {"tlsv1.0", 0, Action::Ignore, false},
    {"tlsv1.1", 0, Action::Ignore, false},
    {"tlsv1.2", 0, Action::Ignore, false},
    {"tlsv1.3", 0, Action::Ignore, false},
    {"raw", 0, Action::Ignore, false},
    {"tr-encoding", 0, Action::Ignore, false},
    {"tcp-nodelay", 0, Action::Ignore, false},
    {"tcp-fastopen", 0, Action::Ignore, false},
    {"no-keepalive", 0, Action::Ignore, false},
    {"path-as-is", 0, Action::Ignore, false},
    {"ssl-no-revoke", 0, Action::Ignore, false},
    {"ssl-reqd", 0, Action::Ignore, false},
    {"anyauth", 0, Action::Ignore, false},
    {"basic", 0, Action::Ignore, false},
    {"digest", 0, Action::Ignore, false},
    {"ntlm", 0, Action::Ignore, false},
    {"negotiate", 0, Action::Ignore, false},
    {"netrc", 'n', Action::Ignore, false},
    {"netrc-optional", 0, Action::Ignore, false},
    {"junk-session-cookies", 'j', Action::Ignore, false},
    {"no-sessionid", 0, Action::Ignore, false},
    {"no-alpn", 0, Action::Ignore, false},
    {"no-npn", 0, Action::Ignore, false},
    {"post301", 0, Action::Ignore, false},
    {"post302", 0, Action::Ignore, false},
    {"post303", 0, Action::Ignore, false},
    {"create-dirs", 0, Action::Ignore, false},
    {"styled-output", 0, Action::Ignore, false},
    {"disable", 'q', Action::Ignore, false},
    {"show-headers", 0, Action::Ignore, false},
    {"parallel", 'Z', Action::Ignore, false},
};

const OptionSpec* find_long(std::string_view name) {
  for (const auto& spec : kOptions)
    if (spec.long_name == name) return &spec;
  // curl's --no-FLAG turns a boolean flag off; for ignored flags that changes nothing.
  if (name.substr(0, 3) == "no-") {
    const OptionSpec* base = find_long(name.substr(3));
    if (base && base->action == Action::Ignore) return base;
  }
  return nullptr;
}

const OptionSpec* find_short(char name) {
  for (const auto& spec : kOptions)
    if (spec.short_name == name && name != 0) return &spec;
  return nullptr;
}

// A header in the order it was given. Headers from -A, -e, -b, -u, ... (derived) give way to a
// header of the same name given with -H (explicit), as in curl.
struct PendingHeader {
  std::string name;
  std::string value;
  bool derived = false;
};

class CurlParser {
 public:
  explicit CurlParser(std::string_view text) : text_(text) {}

  Result<RequestFile> parse() {
    auto split = split_words(text_);
    if (!split) return unexpected(split.error());
    words_ = std::move(*split);
    size_t i = 0;
    if (i < words_.size() && words_[i].plain && words_[i].text == "$") ++i;  // a copied prompt
    if (i < words_.size() && words_[i].plain && words_[i].text == "printf") {
      if (auto ok = read_printf_pipe(i); !ok) return unexpected(ok.error());
    }
    if (i >= words_.size()) return make_error("curl command: empty command line");
    std::string_view program = words_[i].text;
    std::string_view base = program.substr(
        program.find_last_of('/') == std::string_view::npos ? 0 : program.find_last_of('/') + 1);
    if (base != "curl" && base != "curl.exe")
      return make_error("curl command, " + position(text_, words_[i].offset) +
                        ": expected the command to start with 'curl', found '" +
                        std::string(program) + "'");
    ++i;
    bool options_done = false;
    while (i < words_.size()) {
      const Word& word = words_[i];
      if (word.plain &&
          (word.text == "|" || word.text == "||" || word.text == "&&" || word.text == ";" ||
           word.text == ">" || word.text == "<" || word.text == "&")) {
        return fail(
            i, "only one curl command is supported (found the shell operator '" + word.text + "')");
      }
      if (word.plain && word.text == "^")
        return fail(i,
                    "this looks like a Windows cmd command line; copy it as cURL (bash) instead");
      if (options_done || word.text.size() < 2 || word.text[0] != '-') {
        if (auto ok = set_url(i, word.text); !ok) return unexpected(ok.error());
        ++i;
        continue;
      }
      if (word.text == "--") {
        options_done = true;
        ++i;
        continue;
      }
      if (word.text.compare(0, 2, "--") == 0) {
        std::string name = word.text.substr(2);
        const OptionSpec* spec = find_long(name);
        if (!spec) {
          if (name.find('=') != std::string::npos)
            return fail(i, "unknown curl option '" + word.text +
                               "' (curl takes the value as the next argument, not after '=')");
          return fail(i, "unknown curl option '" + word.text + "'");
        }
        size_t option_index = i++;
        std::string value;
        if (spec->takes_value) {
          if (i >= words_.size())
            return fail(option_index, "option '" + word.text + "' needs a value");
          value = words_[i++].text;
        }
        if (auto ok = apply(*spec, word.text, value, option_index); !ok)
          return unexpected(ok.error());
        continue;
      }
      // A cluster of short options: "-sSL", "-XPOST", "-H" VALUE.
      size_t option_index = i++;
      const std::string& cluster = word.text;
      for (size_t k = 1; k < cluster.size(); ++k) {
        const OptionSpec* spec = find_short(cluster[k]);
        std::string shown = "-" + std::string(1, cluster[k]);
        if (!spec) {
          std::string message = "unknown curl option '" + shown + "'";
          if (cluster.size() > 2) message += " in '" + cluster + "'";
          return fail(option_index, message);
        }
        if (!spec->takes_value) {
          if (auto ok = apply(*spec, shown, "", option_index); !ok) return unexpected(ok.error());
          continue;
        }
        std::string value;
        if (k + 1 < cluster.size()) {
          value = cluster.substr(k + 1);
        } else {
          if (i >= words_.size()) return fail(option_index, "option '" + shown + "' needs a value");
          value = words_[i++].text;
        }
        if (auto ok = apply(*spec, shown, value, option_index); !ok) return unexpected(ok.error());
        break;
      }
    }
    return finish();
  }

 private:
  Unexpected<Error> fail(size_t word_index, const std::string& message) const {
    const Word& word = words_[word_index];
    return make_error("curl command, argument " + std::to_string(word_index) + " '" +
                      shorten(word.text) + "' (" + position(text_, word.offset) + "): " + message);
  }

  static std::string shorten(const std::string& text) {
    std::string out = text.size() > 40 ? text.substr(0, 37) + "..." : text;
    for (char& c : out)
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    return out;
  }

  // printf 'FORMAT' | curl ... : the bytes to_curl pipes into --data-binary @-.
  Result<void> read_printf_pipe(size_t& i) {
    if (i + 2 >= words_.size() || !words_[i + 2].plain || words_[i + 2].text != "|")
      return fail(i, "expected \"printf 'BYTES' | curl ...\"");
    const std::string& format = words_[i + 1].text;
    std::string bytes;
    for (size_t k = 0; k < format.size(); ++k) {
      char c = format[k];
      if (c == '%') {
        if (k + 1 < format.size() && format[k + 1] == '%') {
          bytes.push_back('%');
          ++k;
          continue;
        }
        return fail(i + 1, "printf conversions other than %% are not supported");
      }
      if (c != '\\' || k + 1 >= format.size()) {
        bytes.push_back(c);
        continue;
      }
      char e = format[++k];
      if (auto simple = simple_escape(e, "\\\\a\ab\bf\fn\nr\rt\tv\v")) {
        bytes.push_back(*simple);
        continue;
      }
      if (e >= '0' && e <= '7') {
        unsigned value = static_cast<unsigned>(e - '0');
        for (int d = 0;
             d < 2 && k + 1 < format.size() && format[k + 1] >= '0' && format[k + 1] <= '7'; ++d)
          value = value * 8 + static_cast<unsigned>(format[++k] - '0');
        bytes.push_back(static_cast<char>(value & 0xFF));
      } else {
        bytes.push_back('\\');
        bytes.push_back(e);
      }
    }
    stdin_ = std::move(bytes);
    i += 3;
    return {};
  }

  Result<void> set_url(size_t index, const std::string& url) {
    if (url_)
      return fail(index,
                  "a second URL; only one request per command line is supported (the "
                  "first was '" +
                      shorten(url_text_) + "')");
    std::string with_scheme = url;
    if (url.find("://") == std::string::npos) with_scheme = "http://" + url;  // as curl does
    auto parsed = split_http_url(with_scheme);
    if (!parsed) return fail(index, parsed.error().message);
    url_ = std::move(*parsed);
    url_text_ = url;
    return {};
  }

  void add_header(std::string name, std::string value, bool derived) {
    if (derived) {
      // A repeated -u, -A, -e ... replaces the earlier one, as in curl.
      for (auto& header : headers_) {
        if (header.derived && iequals(header.name, name)) {
          header.value = std::move(value);
          return;
        }
      }
    }
    headers_.push_back({std::move(name), std::move(value), derived});
  }

  Result<void> add_data(size_t index, const std::string& option, const std::string& value,
                        Action action) {
    has_data_ = true;
    if (action == Action::DataRaw) {
      data_.push_back(value);
      return {};
    }
    if (action == Action::DataUrlencode) {
      // "content", "=content", "name=content"; "@file" and "name@file" read files.
      size_t eq = value.find('=');
      size_t at = value.find('@');
      if (at != std::string::npos && (eq == std::string::npos || at < eq))
        return fail(index,
                    "option '" + option + "' reads a file ('@...'); paste the content instead");
      if (eq == std::string::npos)
        data_.push_back(percent_encode(value));
      else if (eq == 0)
        data_.push_back(percent_encode(value.substr(1)));
      else
        data_.push_back(value.substr(0, eq + 1) + percent_encode(value.substr(eq + 1)));
      return {};
    }
    if (!value.empty() && value[0] == '@') {
      if (value == "@-" && stdin_ && action != Action::Data) {
        data_.push_back(*stdin_);
        return {};
      }
      return fail(index, "option '" + option + "' reads the body from a file ('" + value +
                             "'); paste the body with --data-raw instead");
    }
    data_.push_back(value);
    return {};
  }

  Result<void> apply(const OptionSpec& spec, const std::string& option, const std::string& value,
                     size_t index) {
    switch (spec.action) {
      case Action::Method:
        if (value.empty()) return fail(index, "option '" + option + "' needs a method name");
        method_ = value;
        return {};
      case Action::Header: {
        if (!value.empty() && value[0] == '@')
          return fail(index, "option '" + option + "' reads headers from a file ('" + value +
                                 "'); give each header with -H instead");
        size_t colon = value.find(':', value.size() > 0 && value[0] == ':' ? 1 : 0);
        if (colon == std::string::npos) {
          // curl's "Name;" sends a header with an empty value.
          if (!value.empty() && value.back() == ';' && value.size() > 1) {
            // Pseudo-headers (":x;") have no meaning here; see below.
            if (value[0] != ':') add_header(value.substr(0, value.size() - 1), "", false);
            return {};
          }
          return fail(index, "expected a header 'Name: value', got '" + shorten(value) + "'");
        }
        std::string name = value.substr(0, colon);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
        if (name.empty()) return fail(index, "the header has no name: '" + shorten(value) + "'");
        size_t start = colon + 1;
        while (start < value.size() && (value[start] == ' ' || value[start] == '\t')) ++start;
        std::string header_value = value.substr(start);
        while (!header_value.empty() &&
               (header_value.back() == '\r' || header_value.back() == '\n'))
          header_value.pop_back();
        if (name[0] == ':') {
          // HTTP/2 pseudo-headers copied from a browser: only :authority means anything here.
          if (iequals(name, ":authority")) add_header("host", header_value, true);
          return {};
        }
        // "Name:" with nothing after it removes a header curl would add by itself.
        if (start >= value.size()) {
          suppressed_.push_back(to_lower(name));
          return {};
        }
        add_header(std::move(name), std::move(header_value), false);
        return {};
      }
      case Action::Data:
      case Action::DataRaw:
      case Action::DataBinary:
      case Action::DataUrlencode:
        return add_data(index, option, value, spec.action);
      case Action::Json:
        json_ = true;
        return add_data(index, option, value, Action::DataBinary);
      case Action::Cookie: {
        if (value.find('=') == std::string::npos)
          return fail(index, "option '" + option + "' names a cookie file ('" + shorten(value) +
                                 "'); give the cookies as 'name=value; name2=value2'");
        for (auto& header : headers_) {
          if (header.derived && iequals(header.name, "cookie")) {
            header.value += "; " + value;
            return {};
          }
        }
        add_header("cookie", value, true);
        return {};
      }
      case Action::User: {
        std::string credentials = value.find(':') == std::string::npos ? value + ":" : value;
        add_header("authorization", "Basic " + base64_encode(credentials), true);
        return {};
      }
      case Action::UserAgent:
        add_header("user-agent", value, true);
        return {};
      case Action::Referer:
        add_header("referer", value.substr(0, value.find(";auto")), true);
        return {};
      case Action::Bearer:
        add_header("authorization", "Bearer " + value, true);
        return {};
      case Action::Range:
        add_header("range", "bytes=" + value, true);
        return {};
      case Action::Url:
        return set_url(index + 1, value);
      case Action::Get:
        get_ = true;
        return {};
      case Action::Head:
        head_ = true;
        return {};
      case Action::RequestTarget:
        request_target_ = value;
        return {};
      case Action::Unsupported:
        return fail(index, "option '" + option +
                               "' is not supported (multipart forms, uploads and config files "
                               "cannot be imported; use --data-raw for the body)");
      case Action::IgnoreWithArg:
      case Action::Ignore:
        return {};
    }
    return {};
  }

  bool has_header(std::string_view name, bool explicit_only) const {
    for (const auto& header : headers_)
      if (iequals(header.name, name) && (!explicit_only || !header.derived)) return true;
    return false;
  }

  bool suppressed(std::string_view name) const {
    return std::find(suppressed_.begin(), suppressed_.end(), to_lower(name)) != suppressed_.end();
  }

  Result<RequestFile> finish() {
    if (!url_) return make_error("curl command: no URL given");
    RequestFile file;
    host::RequestSpec& request = file.request;
    std::string body;
    for (size_t k = 0; k < data_.size(); ++k) body += (k ? "&" : "") + data_[k];
    std::string path = request_target_ ? *request_target_ : url_->path;
    if (get_ && has_data_) {
      if (!body.empty()) path += (path.find('?') == std::string::npos ? "?" : "&") + body;
      body.clear();
    }
    if (method_)
      request.method = *method_;
    else if (head_)
      request.method = "HEAD";
    else if (has_data_ && !get_)
      request.method = "POST";
    else
      request.method = "GET";
    request.path = path;
    request.body = body;

    // Credentials in the URL, as curl uses them when -u is not given.
    if (!url_->userinfo.empty() && !has_header("authorization", false)) {
      std::string credentials = url_->userinfo;
      if (credentials.find(':') == std::string::npos) credentials += ":";
      add_header("authorization", "Basic " + base64_encode(credentials), true);
    }
    if (has_data_ && !get_) {
      if (json_) {
        add_header("content-type", "application/json", true);
        add_header("accept", "application/json", true);
      } else {
        add_header("content-type", "application/x-www-form-urlencoded", true);
      }
    }
    // Derived headers give way to explicit ones and to "Name:" removals; the host from the URL
    // goes first, as curl sends it.
    if (!has_header("host", false) && !suppressed("host"))
      request.headers.emplace_back("host", url_->authority);
    for (const auto& header : headers_) {
      if (header.derived && (has_header(header.name, true) || suppressed(header.name))) continue;
      // Leading blanks are not part of a header value on the wire (-b ' a=1' sends "a=1").
      size_t start = header.value.find_first_not_of(" \t");
      request.headers.emplace_back(header.name,
                                   start == std::string::npos ? "" : header.value.substr(start));
    }
    return file;
  }

  std::string_view text_;
  std::vector<Word> words_;
  std::optional<std::string> stdin_;
  std::optional<HttpUrl> url_;
  std::string url_text_;
  std::optional<std::string> method_;
  std::optional<std::string> request_target_;
  std::vector<PendingHeader> headers_;
  std::vector<std::string> suppressed_;
  std::vector<std::string> data_;
  bool has_data_ = false;
  bool json_ = false;
  bool get_ = false;
  bool head_ = false;
};

bool safe_bare(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == '/' || c == ':' || c == '=' || c == '@' || c == '%' || c == '+' || c == ',';
}

// The body as a printf format: bytes that are not plain printable ASCII become \ooo.
std::string printf_format(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c == '%') {
      out += "%%";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7F && c != '\'') {
      out.push_back(static_cast<char>(c));
    } else {
      char buffer[5];
      std::snprintf(buffer, sizeof(buffer), "\\%03o", c);
      out += buffer;
    }
  }
  return out;
}

}  // namespace

Result<HttpUrl> split_http_url(std::string_view url) {
  HttpUrl out;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos)
    return make_error("expected an http:// or https:// URL, got '" + std::string(url) + "'");
  out.scheme = to_lower(url.substr(0, scheme_end));
  if (out.scheme != "http" && out.scheme != "https")
    return make_error("expected an http:// or https:// URL, got the scheme '" + out.scheme + "'");
  std::string_view rest = url.substr(scheme_end + 3);
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    out.userinfo = percent_decode(authority.substr(0, at));
    authority = authority.substr(at + 1);
  }
  if (authority.empty()) return make_error("the URL '" + std::string(url) + "' has no host");
  std::string_view host = authority, port;
  if (authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return make_error("the URL '" + std::string(url) + "' has an unclosed IPv6 address");
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':')
        return make_error("the URL '" + std::string(url) + "' has a malformed host");
      port = authority.substr(close + 2);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (!port.empty() && (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
                          return c >= '0' && c <= '9';
                        })))
    return make_error("the URL '" + std::string(url) + "' has an invalid port '" +
                      std::string(port) + "'");
  bool bracketed = !host.empty() && host.front() == '[';
  bool valid_host = !host.empty() && std::all_of(host.begin(), host.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("-._~%!$&'()*+,;=").find(c) != std::string_view::npos ||
           (bracketed && (c == '[' || c == ']' || c == ':'));
  });
  if (!valid_host)
    return make_error("the URL '" + std::string(url) + "' has an invalid host '" +
                      std::string(host) + "'");
  bool default_port =
      (out.scheme == "http" && port == "80") || (out.scheme == "https" && port == "443");
  out.authority = std::string(host);
  if (!port.empty() && !default_port) out.authority += ":" + std::string(port);
  std::string_view path = tail.substr(0, tail.find('#'));
  out.path = path.empty() ? "/" : std::string(path);
  if (out.path[0] == '?') out.path = "/" + out.path;
  return out;
}

Result<RequestFile> parse_curl(std::string_view command_line) {
  return CurlParser(command_line).parse();
}

std::string shell_quote(std::string_view text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), safe_bare)) return std::string(text);
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out.push_back(c);
  }
  out += "'";
  return out;
}

std::string to_curl(const host::RequestSpec& request, std::string_view base_url) {
  std::string base(base_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string body = request.body;
  for (const auto& chunk : request.body_chunks) body += chunk;
  bool has_body = !body.empty();
  bool pipe_body = body.find('\0') != std::string::npos;

  std::vector<std::string> args;
  // A path a URL cannot carry ("*", or one with '#') goes in --request-target instead.
  bool origin_form = !request.path.empty() && request.path[0] == '/' &&
                     request.path.find('#') == std::string::npos;
  // Always single-quote the URL, as browsers do, whatever characters it has.
  std::string url = shell_quote(base + (origin_form ? request.path : "/"));
  args.push_back(url[0] == '\'' ? url : "'" + url + "'");
  if (!origin_form) args.push_back("--request-target " + shell_quote(request.path));
  bool implied = has_body ? request.method == "POST" : request.method == "GET";
  if (!implied) args.push_back("-X " + shell_quote(request.method));
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    if (!name.empty() && name[0] == ':') continue;
    if (iequals(name, "content-type")) has_content_type = true;
    if (value.empty())
      args.push_back("-H " + shell_quote(name + ";"));
    else
      args.push_back("-H " + shell_quote(name + ": " + value));
  }
  // curl adds a form content-type to any body; "content-type:" stops it when the request has none.
  if (has_body && !has_content_type) args.push_back("-H 'content-type:'");
  if (has_body) {
    if (pipe_body)
      args.push_back("--data-binary @-");
    else
      args.push_back("--data-raw " + shell_quote(body));
  }
  std::string out = pipe_body ? "printf '" + printf_format(body) + "' | curl " : "curl ";
  for (size_t k = 0; k < args.size(); ++k) out += (k ? " \\\n  " : "") + args[k];
  return out;
}

}  // namespace pwplay::debugger
