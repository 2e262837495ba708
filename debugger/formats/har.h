// HAR 1.2 (HTTP Archive) import and export. Import takes what browsers' developer tools save:
// each entry's request becomes a request (method, path and query, headers with HTTP/2
// pseudo-headers dropped and :authority as host, postData text), and its response becomes the
// upstream mock (status, headers, content text, base64 content decoded). Export writes requests
// and, when they ran, what the client received, so history opens in any HAR viewer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "abi/result.h"
#include "debugger/formats/outcome.h"
#include "debugger/formats/request_file.h"

namespace pwplay::debugger {

struct HarImport {
  std::vector<NamedRequest> requests;
  size_t entry_count = 0;  // entries in the file, skipped ones included
  // Entries that are not HTTP requests (data:, blob:, ws: URLs ...): "log.entries[4]: skipped
  // data: URL". Kept so the caller can say what was left out.
  std::vector<std::string> skipped;
};

// Errors name the file and the JSON path: "a.har: log.entries[3].request.url: expected a string".
Result<HarImport> parse_har(const nlohmann::json& json, const std::string& file);
Result<HarImport> load_har_file(const std::string& path);

// The requests to run: every one, or only entry `number` (1-based, counting every entry of
// log.entries as browsers' lists do). Errors name `file` and say what was expected: a number out
// of range, an entry that is not an HTTP request, a file without any HTTP request.
Result<std::vector<NamedRequest>> select_har_entries(const HarImport& har,
                                                     std::optional<int64_t> number,
                                                     const std::string& file);

struct HarExportEntry {
  RequestFile request;
  std::optional<Outcome> outcome;  // what the client received; without it the mock (if any)
  std::string started;             // ISO 8601 start time; empty = the time of the export
};

// A HAR 1.2 document ({"log": {"version": "1.2", "creator": {"name": "pwplay"}, "entries"}}).
// Requests go to http://HOST (their host header, else `default_host`).
nlohmann::json export_har(const std::vector<HarExportEntry>& entries,
                          const std::string& default_host = "127.0.0.1:8080");

// The current time as HAR wants it: "2024-03-01T12:34:56.789Z".
std::string iso8601_now();

}  // namespace pwplay::debugger
