// The request composer's model: the parts of a request draft that the Request panel edits as
// rows and forms (query parameters, the authority, trailers, the upstream's mock answer and the
// callout mocks per cluster) and the body's text / JSON / hex forms. Everything reads and writes
// the RequestDraft, so Send and Save see exactly what the panel shows. No ImGui.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "abi/result.h"
#include "app/gui/core/workspace.h"

namespace pwplay::gui {

// One "name=value" of a URL's query, as typed (not decoded, so nothing is lost on the way back).
struct QueryParam {
  std::string name;
  std::string value;
  bool has_value = true;  // "a=" has an empty value; "a" has none
};

// "/p?a=1&b" -> "/p" and [a=1, b]; a "#fragment" stays with the path.
struct PathAndQuery {
  std::string path;
  std::vector<QueryParam> params;
};
PathAndQuery split_query(std::string_view path);
std::string join_query(const std::string& path, const std::vector<QueryParam>& params);

// The authority is the draft's "host" header (what the proxy sends as :authority).
std::string authority(const RequestDraft& draft);
void set_authority(RequestDraft& draft, const std::string& value);

// Moves header row `index` one place up (-1) or down (+1); false when it cannot move.
bool move_row(std::vector<HeaderRow>& rows, size_t index, int direction);

// Trailers sent after the body ("trailers" in REQ.json).
std::vector<HeaderRow> trailers(const RequestDraft& draft);
void set_trailers(RequestDraft& draft, const std::vector<HeaderRow>& rows);

// A response the panel edits: the upstream's mock answer, or a callout's reply.
struct MockReply {
  uint32_t status = 200;
  std::vector<HeaderRow> headers;
  std::string body;
  uint32_t delay_ms = 0;  // callouts only
  bool fail = false;      // callouts only: the callout fails (no response)
};

// The upstream answers with an echo of the request (no "upstream_response"), with a mock, or is
// a real server at HOST:PORT ("upstream"); each setter leaves the draft in that one mode.
bool upstream_is_mock(const RequestDraft& draft);
MockReply upstream_mock(const RequestDraft& draft);
void set_upstream_echo(RequestDraft& draft);
void set_upstream_mock(RequestDraft& draft, const MockReply& reply);
bool upstream_is_real(const RequestDraft& draft);
std::string upstream_address(const RequestDraft& draft);  // "" unless real
// The address is checked when the request is built (Workspace::build_request), as REQ.json's.
void set_upstream_address(RequestDraft& draft, const std::string& address);

// Callout mocks by cluster name ("callouts" in REQ.json), sorted by name.
struct CalloutMock {
  std::string cluster;
  MockReply reply;
};
std::vector<CalloutMock> callout_mocks(const RequestDraft& draft);
void set_callout_mock(RequestDraft& draft, const CalloutMock& mock);
void remove_callout_mock(RequestDraft& draft, const std::string& cluster);

// The body as pretty JSON (2 spaces); an error with the parser's position when it is not JSON.
Result<std::string> pretty_json(std::string_view body);
// Bytes as "48 65 6c 6c 6f", 16 per line; and back: any whitespace, case-insensitive; errors
// name the offending character and its position.
std::string to_hex(std::string_view bytes);
Result<std::string> from_hex(std::string_view text);

}  // namespace pwplay::gui

namespace pwplay::gui {

// Request presets: the .json files in `dirs` (those that exist), sorted by file name.
std::vector<std::string> list_request_presets(const std::vector<std::string>& dirs);

}  // namespace pwplay::gui
