#include "debugger/history.h"

#include <algorithm>
#include <set>

#include "debugger/message_diff.h"

namespace pwplay::debugger {

std::vector<std::string> diff_headers(const abi::HeaderPairs& before,
                                      const abi::HeaderPairs& after) {
  return describe(diff_header_rows(before, after));
}

RunResult run_result(const HistoryEntry& entry, const PluginInfo& plugin) {
  RunResult result;
  result.abi_version = plugin.abi_version;
  result.engine = plugin.engine;
  result.engine_version = plugin.engine_version;
  result.plugin_name = plugin.name;
  result.report = entry.report;
  result.logs = entry.logs;
  result.trace = entry.trace;
  result.failure = entry.failure;
  result.stats = compute_stats(entry.trace);
  return result;
}

RunDiff compare_runs(const HistoryEntry& before, const HistoryEntry& after) {
  RunDiff diff;
  auto status = [](const HistoryEntry& e) {
    return e.report.response ? std::to_string(e.report.response->status) : std::string("none");
  };
  if (status(before) != status(after))
    diff.outcome.push_back("status: " + status(before) + " -> " + status(after));
  if (before.report.local_response != after.report.local_response)
    diff.outcome.push_back(std::string("local response: ") +
                           (before.report.local_response ? "yes" : "no") + " -> " +
                           (after.report.local_response ? "yes" : "no"));
  const auto& up_a = before.report.upstream_request;
  const auto& up_b = after.report.upstream_request;
  if (up_a.has_value() != up_b.has_value()) {
    diff.outcome.push_back(std::string("upstream reached: ") + (up_a ? "yes" : "no") + " -> " +
                           (up_b ? "yes" : "no"));
  } else if (up_a && up_b) {
    for (auto& line : diff_headers(up_a->headers, up_b->headers))
      diff.outcome.push_back("upstream header " + line);
    if (up_a->body != up_b->body) diff.outcome.push_back("upstream body changed");
  }
  const auto& res_a = before.report.response;
  const auto& res_b = after.report.response;
  if (res_a && res_b) {
    for (auto& line : diff_headers(res_a->headers, res_b->headers))
      diff.outcome.push_back("response header " + line);
    if (res_a->body != res_b->body) diff.outcome.push_back("response body changed");
  }
  if (before.failure.has_value() != after.failure.has_value())
    diff.outcome.push_back(std::string("filter failure: ") + (before.failure ? "yes" : "no") +
                           " -> " + (after.failure ? "yes" : "no"));

  // Trace, event by event, on what a filter controls (kind, name, decoded args, result).
  auto comparable = [](const std::vector<host::TraceEvent>& trace) {
    // Numbers that describe behaviour; other numeric arguments are pointers, context ids and
    // tokens, which move between runs without the filter behaving differently.
    static const std::set<std::string> kMeaningfulNumbers = {
        "end_of_stream", "num_headers", "num_trailers", "body_size",   "data_size",
        "status_code",   "timeout_ms",  "period_ms",    "grpc_status", "start",
        "max_size",      "size",        "pairs",        "offset",      "num_elements"};
    host::EventLineOptions words;
    words.style = host::EventLineOptions::Style::Words;
    words.mark_injected = false;
    words.skip = [](const host::TraceField& arg) {
      const bool numeric =
          !arg.value.empty() && std::all_of(arg.value.begin(), arg.value.end(),
                                            [](char c) { return c >= '0' && c <= '9'; });
      if (numeric && !kMeaningfulNumbers.count(arg.name)) return true;
      return arg.name == "time_ns" || arg.name == "token" || arg.name == "cas";
    };
    std::vector<std::string> lines;
    for (const auto& e : trace) {
      if (e.kind == host::EventKind::Lifecycle || e.kind == host::EventKind::Memory ||
          e.kind == host::EventKind::Copy)
        continue;
      lines.push_back(host::event_line(e, words));
    }
    return lines;
  };
  auto a = comparable(before.trace);
  auto b = comparable(after.trace);
  // Events are aligned on their longest common subsequence, so that one extra host call shows
  // as one line rather than shifting every event after it. Very long traces (beyond the table
  // size below) fall back to comparing event i with event i.
  enum class Op : uint8_t { Same, Removed, Added };
  std::vector<std::pair<Op, size_t>> ops;  // index into a (Same, Removed) or b (Added)
  constexpr size_t kMaxTable = size_t{16} << 20;
  if ((a.size() + 1) * (b.size() + 1) <= kMaxTable) {
    std::vector<uint32_t> common((a.size() + 1) * (b.size() + 1), 0);
    auto at = [&](size_t i, size_t j) -> uint32_t& { return common[i * (b.size() + 1) + j]; };
    for (size_t i = a.size(); i-- > 0;)
      for (size_t j = b.size(); j-- > 0;)
        at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
      if (i < a.size() && j < b.size() && a[i] == b[j]) {
        ops.emplace_back(Op::Same, i++);
        ++j;
      } else if (i < a.size() && (j == b.size() || at(i + 1, j) >= at(i, j + 1))) {
        ops.emplace_back(Op::Removed, i++);
      } else {
        ops.emplace_back(Op::Added, j++);
      }
    }
  } else {
    for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
      if (i < a.size() && i < b.size() && a[i] == b[i]) {
        ops.emplace_back(Op::Same, i);
        continue;
      }
      if (i < a.size()) ops.emplace_back(Op::Removed, i);
      if (i < b.size()) ops.emplace_back(Op::Added, i);
    }
  }
  // In each stretch of differences, removed and added events pair up in order as changed
  // events. Numbers are positions in the second run (in the first, for events it no longer has).
  auto line = [](size_t number, const std::string& left, const std::string& right) {
    return "event " + std::to_string(number) + ": " + left + "  =>  " + right;
  };
  for (size_t k = 0; k < ops.size() && diff.trace.size() < 50;) {
    if (ops[k].first == Op::Same) {
      ++k;
      continue;
    }
    std::vector<size_t> removed, added;
    for (; k < ops.size() && ops[k].first != Op::Same; ++k)
      (ops[k].first == Op::Removed ? removed : added).push_back(ops[k].second);
    const size_t pairs = std::min(removed.size(), added.size());
    for (size_t p = 0; p < pairs; ++p)
      diff.trace.push_back(line(added[p] + 1, a[removed[p]], b[added[p]]));
    for (size_t p = pairs; p < removed.size(); ++p)
      diff.trace.push_back(line(removed[p] + 1, a[removed[p]], "(nothing)"));
    for (size_t p = pairs; p < added.size(); ++p)
      diff.trace.push_back(line(added[p] + 1, "(nothing)", b[added[p]]));
  }
  if (diff.trace.size() > 50) diff.trace.resize(50);
  if (diff.trace.size() >= 50) diff.trace.push_back("... (more differences)");
  return diff;
}

}  // namespace pwplay::debugger
