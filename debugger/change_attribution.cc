#include "debugger/change_attribution.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace pwplay::debugger {
namespace {

enum class Write : uint8_t { Add, Replace, Remove, SetAll };

// One successful write to a header map, by one plugin.
struct MapWrite {
  Write kind = Write::Add;
  std::string key;  // lower-cased
  std::string value;
  std::string plugin;
  bool used = false;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string argument(const host::TraceEvent& event, std::string_view name) {
  for (const auto& field : event.args)
    if (field.name == name) return field.value;
  return {};
}

std::optional<Write> write_kind(std::string_view function) {
  if (function == "proxy_add_header_map_value") return Write::Add;
  if (function == "proxy_replace_header_map_value") return Write::Replace;
  if (function == "proxy_remove_header_map_value") return Write::Remove;
  if (function == "proxy_set_header_map_pairs") return Write::SetAll;
  return std::nullopt;
}

std::vector<MapWrite> map_writes(const std::vector<host::TraceEvent>& trace,
                                 std::string_view map_type) {
  std::vector<MapWrite> writes;
  for (const host::TraceEvent& event : trace) {
    if (event.kind != host::EventKind::HostCall) continue;
    auto kind = write_kind(event.name);
    // A refused call changed nothing.
    if (!kind || event.result != "OK" || argument(event, "map_type") != map_type) continue;
    writes.push_back(
        {*kind, lower(argument(event, "key")), argument(event, "value"), event.plugin});
  }
  return writes;
}

// The first unused write that `matches`, marked used.
template <typename Match>
const MapWrite* take(std::vector<MapWrite>& writes, Match matches) {
  for (MapWrite& write : writes) {
    if (write.used || !matches(write)) continue;
    write.used = true;
    return &write;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> attribute_rows(const std::vector<HeaderDiffRow>& rows,
                                        std::string_view map_type,
                                        const std::vector<host::TraceEvent>& trace,
                                        std::string_view fallback) {
  std::vector<MapWrite> writes = map_writes(trace, map_type);
  std::string whole_map;  // the last filter that set every pair at once
  for (const MapWrite& write : writes)
    if (write.kind == Write::SetAll) whole_map = write.plugin;
  std::vector<std::string> filters(rows.size());
  // Exact matches first, so that a looser match never takes the call another row needs.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < rows.size(); ++i) {
      const HeaderDiffRow& row = rows[i];
      if (row.change == HeaderChange::Same || !filters[i].empty()) continue;
      const std::string name = lower(row.name);
      const MapWrite* write = nullptr;
      if (row.change == HeaderChange::Removed) {
        if (pass == 0)
          write = take(writes,
                       [&](const MapWrite& w) { return w.kind == Write::Remove && w.key == name; });
      } else {
        write = take(writes, [&](const MapWrite& w) {
          return (w.kind == Write::Add || w.kind == Write::Replace) && w.key == name &&
                 (pass == 1 || w.value == row.value);
        });
      }
      if (write) filters[i] = write->plugin;
    }
  }
  const std::string rest = whole_map.empty() ? std::string(fallback) : whole_map;
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i].change != HeaderChange::Same && filters[i].empty()) filters[i] = rest;
  return filters;
}

std::vector<std::string> filters_in_order(const std::vector<host::TraceEvent>& trace) {
  std::vector<std::string> filters;
  for (const host::TraceEvent& event : trace)
    if (!event.plugin.empty() &&
        std::find(filters.begin(), filters.end(), event.plugin) == filters.end())
      filters.push_back(event.plugin);
  return filters;
}

RunChanges run_changes(const HistoryEntry& run) {
  RunChanges changes;
  if (!run.ran()) return changes;
  const host::RunReport& report = run.report;
  changes.filters = filters_in_order(run.trace);
  if (report.upstream_request) {
    changes.request.rows =
        diff_header_rows(report.client_request.headers, report.upstream_request->headers);
    changes.request.filters =
        attribute_rows(changes.request.rows, "HTTP_REQUEST_HEADERS", run.trace);
  }
  if (report.response) {
    // Against what the upstream sent; a local reply has no upstream, so all of it is the
    // filter's: the one that sent it, unless a later write explains a row.
    abi::HeaderPairs before;
    if (report.upstream_response && !report.local_response)
      before = report.upstream_response->headers;
    std::string sender;
    if (report.local_response)
      for (const host::TraceEvent& event : run.trace)
        if (event.kind == host::EventKind::HostCall && event.name == "proxy_send_local_response")
          sender = event.plugin;
    changes.response.rows = diff_header_rows(before, report.response->headers);
    changes.response.filters =
        attribute_rows(changes.response.rows, "HTTP_RESPONSE_HEADERS", run.trace, sender);
  }
  return changes;
}

}  // namespace pwplay::debugger
