// curl command lines as requests: import what browsers' "Copy as cURL" (and people) write, and
// export a request as a command line that sends it to a local proxy. The import understands POSIX
// shell quoting ('...', "...", $'...' as Chrome emits, backslash-newline continuations) and the
// curl options that describe an HTTP request; options that only change curl's own behaviour
// (--compressed, -s, -k, -L, ...) are accepted and ignored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "abi/result.h"
#include "debugger/formats/request_file.h"
#include "host/local_run.h"

namespace pwplay::debugger {

// An http:// or https:// URL split the way a request needs it.
struct HttpUrl {
  std::string scheme;     // "http" or "https"
  std::string userinfo;   // "user:password" before '@' (percent-decoded), usually empty
  std::string authority;  // "host" or "host:port" (a port equal to the scheme's default dropped)
  std::string path;       // path and query; "/" when the URL has none; the fragment is dropped
};
// Errors say what is wrong with the URL; callers add where it came from.
Result<HttpUrl> split_http_url(std::string_view url);

// Parses one curl command line. The request gets the URL's path and query, a `host` header (from
// the URL unless -H gives one), the headers of -H, -A, -e, -b and -u, and the body of the -d
// family (joined with '&'; -d implies POST and an application/x-www-form-urlencoded
// content-type unless -H says otherwise; -G moves the data into the query). A body with NUL bytes
// is accepted in the form to_curl writes it: `printf '...' | curl ... --data-binary @-`.
// Errors name the option and its position ("line 2, column 3").
Result<RequestFile> parse_curl(std::string_view command_line);

// A curl command line (POSIX sh quoting, one option per line) that sends `request` to
// `base_url`, with the request's own `host` header. parse_curl(to_curl(r)) gives r back (a body
// given as chunks comes back whole; trailers are not expressible and are left out).
std::string to_curl(const host::RequestSpec& request,
                    std::string_view base_url = "http://127.0.0.1:8080");

// Quotes one argument for POSIX sh: bare when it is made of safe characters, else in single
// quotes. Arguments cannot contain NUL bytes; to_curl handles NUL bodies separately.
std::string shell_quote(std::string_view text);

}  // namespace pwplay::debugger
