// The request file format (REQ.json) of `pwplay run`, `pwplay debug` and scenarios: one HTTP
// request, optionally the upstream's answer and the replies to the filter's callouts.
//
//   {"method": "GET", "path": "/a", "headers": [["host", "x"], ["k", "v"]], "body": "...",
//    "trailers": [...], "upstream_response": {"status": 200, "headers": [...], "body": "..."},
//    "callouts": {"CLUSTER": {"status": 200, "headers": [...], "body": "..."}}}
//
// Headers are ordered [name, value] lists (an object is accepted too). Extensions: "body_base64",
// "body_chunks" (the body arrives in several reads), callouts' "delay_ms" and "fail", "grpc"
// replies per cluster, "properties" (well-known property values such as "source.address"), and
// "disabled_headers" (headers the app's composer keeps switched off: never sent).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "abi/result.h"
#include "debugger/formats/json_read.h"
#include "host/environment.h"
#include "host/file_read.h"
#include "host/local_run.h"

namespace pwplay::debugger {

struct CalloutReply {
  host::CalloutResponse response;
  uint32_t delay_ms = 0;
};

struct RequestFile {
  host::RequestSpec request;
  host::UpstreamSpec upstream;
  std::map<std::string, CalloutReply> callouts;
  std::map<std::string, host::GrpcMockReply> grpc;
  std::map<std::string, std::string, std::less<>> properties;
};

// Parses a request from JSON. `where` names the source in errors ("req.json").
Result<RequestFile> parse_request(const nlohmann::json& json, const std::string& where);
Result<RequestFile> load_request_file(const std::string& path);
nlohmann::json request_to_json(const RequestFile& request);

// Shared JSON helpers for header lists and bodies, used by every format.
// Errors read "WHERE: field 'FIELD[2]': ...".
Result<abi::HeaderPairs> parse_header_list(const nlohmann::json& json, const std::string& where,
                                           const std::string& field);
// Errors read "WHERE: ..." and "WHERE[2]: ...".
Result<abi::HeaderPairs> parse_header_list(const nlohmann::json& json, const std::string& where);
nlohmann::json header_list_to_json(const abi::HeaderPairs& headers);
// Sets "body" when `bytes` is valid UTF-8, else "body_base64".
void put_body(nlohmann::json& object, const std::string& bytes, const std::string& key = "body");
bool is_valid_utf8(const std::string& bytes);
std::string base64_encode(const std::string& bytes);
// Every byte but RFC 3986's unreserved characters as %XX (space too): curl's --data-urlencode
// and HTML form bodies (HAR postData.params).
std::string percent_encode(std::string_view text);
Result<std::string> base64_decode(const std::string& text);

// Reads a whole regular file of at most `max_bytes` (host::read_user_file); errors name the file
// and the reason. `what` names the kind of file ("request file").
Result<std::string> read_file(const std::string& path, const std::string& what = "input file",
                              size_t max_bytes = host::kMaxInputFileBytes);

// A request with a name: what a verb sends (the name it gets in the history) or a HAR entry.
struct NamedRequest {
  std::string name;  // the history's name; for a HAR entry its comment, else "METHOD path"
  RequestFile request;
  size_t entry = 0;  // a HAR entry's number in log.entries, from 1 (as browsers list them)
};

}  // namespace pwplay::debugger
