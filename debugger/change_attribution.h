// Which filter of a chain made each header change of a run: the rows of the result diff (client
// request -> upstream, upstream response -> client) matched to the header-map host calls of the
// run's trace, each of which names the plugin that made it. The desktop app's Result panel
// colours rows with it; the automation log lists it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "debugger/history.h"
#include "debugger/message_diff.h"

namespace pwplay::debugger {

// One message's header diff, with the filter behind each row ("" for unchanged rows and for a
// change no host call explains).
struct AttributedRows {
  std::vector<HeaderDiffRow> rows;   // diff_header_rows order
  std::vector<std::string> filters;  // parallel to rows
};

struct RunChanges {
  AttributedRows request;   // client request -> upstream request (empty rows when none reached it)
  AttributedRows response;  // upstream response (nothing for a local one) -> client response
  // The run's plugins in the order they first act in its trace: a filter's position here picks
  // its colour wherever the app shows it (Trace tab, Result panel, timeline).
  std::vector<std::string> filters;
};

// The diffs as the Result panel shows them, attributed. A run that did not go through the
// filter has no changes.
RunChanges run_changes(const HistoryEntry& run);

// The rows' filters from the trace's writes to `map_type` (abi::name of the map:
// "HTTP_REQUEST_HEADERS"): an added or changed header comes from the add or replace call that
// wrote that name and value (failing that, that name), a removed one from the remove call of
// that name; each call explains one row. What is left goes to the last filter that replaced the
// whole map (proxy_set_header_map_pairs) or, for a local response, to the filter that sent it.
std::vector<std::string> attribute_rows(const std::vector<HeaderDiffRow>& rows,
                                        std::string_view map_type,
                                        const std::vector<host::TraceEvent>& trace,
                                        std::string_view fallback = {});

// The plugins of a trace in the order they first appear.
std::vector<std::string> filters_in_order(const std::vector<host::TraceEvent>& trace);

}  // namespace pwplay::debugger
