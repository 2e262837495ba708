// The verbs about requests and the module: send, wait, inject, history, replay, compare,
// save-scenario, watch, reload.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "debugger/commands_internal.h"
#include "debugger/formats/chrome_trace.h"
#include "debugger/formats/request_file.h"
#include "debugger/formats/scenario.h"

namespace pwplay::debugger::verbs_impl {
namespace {

constexpr long kDefaultWaitSeconds = 30;

Result<void> prepare(VerbContext& context, std::string_view verb) {
  return context.prepare ? context.prepare(verb) : Result<void>();
}

// Request ids as typed: "1 3 4" (each checked before any is sent): the first `count` arguments
// (all when 0).
Result<std::vector<uint64_t>, VerbError> request_ids(const VerbArgs& args, size_t count = 0) {
  std::vector<uint64_t> ids;
  const size_t end = count ? count : args.words.size();
  for (size_t i = 0; i < end; ++i) {
    auto id = number_argument(args, i, "a request number");
    if (!id) return unexpected(id.error());
    ids.push_back(*id);
  }
  return ids;
}

}  // namespace

VerbResult send(Session& session, VerbContext& context, const VerbArgs& args) {
  NamedRequest named;
  if (!args.words.empty()) {
    auto request = load_request_file(args.words[0]);
    if (!request) return fail(request.error().message);
    named = NamedRequest{.name = args.words[0], .request = std::move(*request)};
  } else if (context.default_request) {
    auto request = context.default_request();
    if (!request) return fail(request.error().message);
    named = std::move(*request);
  } else {
    return fail("send needs a request file");
  }
  if (auto ready = prepare(context, "send"); !ready) return fail(ready.error().message);
  const std::string method = named.request.request.method;
  const std::string path = named.request.request.path;
  const uint64_t id = session.send(std::move(named.request), std::move(named.name));
  context.last_sent = id;
  std::string out = format("Sending request %llu: %s %s\n", static_cast<unsigned long long>(id),
                           method.c_str(), path.c_str());
  return out + report(session, context);
}

VerbResult wait(Session& session, VerbContext& context, const VerbArgs& args) {
  long seconds = kDefaultWaitSeconds;
  if (!args.words.empty()) {
    auto parsed = number_argument(args, 0, "a number of seconds");
    if (!parsed) return unexpected(parsed.error());
    seconds = static_cast<long>(std::min<uint64_t>(*parsed, 24 * 3600));
  }
  seconds = std::max(1L, seconds);
  // A front end that never blocks gets the current pause.
  if (context.wait.count() == 0) {
    std::string paused = pause_text(session);
    return paused.empty() ? std::string("nothing is paused\n") : paused;
  }
  if (session.wait_for_pause(std::chrono::seconds(seconds))) return report(session, context);
  return format("nothing stopped within %ld s\n", seconds);
}

VerbResult inject(Session& session, VerbContext&, const VerbArgs& args) {
  if (args.words.empty()) return usage(args);
  std::string text = args.words[0];
  for (size_t i = 1; i < args.words.size(); ++i) text += " " + args.words[i];
  auto done = session.apply_fault_command(text);
  if (!done) return fail(done.error().message);
  return *done + "\n";
}

VerbResult history(Session& session, VerbContext&, const VerbArgs&) {
  std::string out;
  for (const auto& entry : session.history()) {
    append(out, "%llu  %s %s  -> %s%s%s\n", static_cast<unsigned long long>(entry.id),
           entry.request.request.method.c_str(), entry.request.request.path.c_str(),
           entry.report.response ? std::to_string(entry.report.response->status).c_str() : "none",
           entry.failure ? "  (filter failed)" : "", entry.source == "proxy" ? "  (proxy)" : "");
  }
  return out;
}

// replay N [M...] | replay all: one at a time, each reported; a pause stops the rest.
VerbResult replay(Session& session, VerbContext& context, const VerbArgs& args) {
  if (args.words.empty()) return usage(args);
  std::vector<uint64_t> originals;
  std::string out;
  if (args.words[0] == "all") {
    for (const auto& entry : session.history()) originals.push_back(entry.id);
    if (originals.empty()) return std::string("nothing to replay: the history is empty\n");
  } else {
    auto ids = request_ids(args);
    if (!ids) return unexpected(ids.error());
    originals = std::move(*ids);
  }
  if (auto ready = prepare(context, "replay"); !ready) return fail(ready.error().message);
  std::vector<uint64_t> missing;
  for (size_t i = 0; i < originals.size(); ++i) {
    const uint64_t id = session.replay(originals[i]);
    if (!id) {
      append(out, "error: no request %llu in the history\n",
             static_cast<unsigned long long>(originals[i]));
      missing.push_back(originals[i]);
      continue;
    }
    append(out, "Replaying %llu as request %llu\n", static_cast<unsigned long long>(originals[i]),
           static_cast<unsigned long long>(id));
    context.last_sent = id;
    out += report(session, context);
    if (session.state() == Session::State::Paused && i + 1 < originals.size()) {
      append(out, "paused: %zu more not replayed\n", originals.size() - i - 1);
      break;
    }
  }
  // Nothing replayed at all: a failure (one missing request reads as it always did).
  if (missing.size() == originals.size()) {
    std::string numbers;
    for (uint64_t id : missing) numbers += (numbers.empty() ? "" : ", ") + std::to_string(id);
    return fail(missing.size() == 1 ? "no request " + numbers + " in the history"
                                    : "no requests " + numbers + " in the history");
  }
  return out;
}

VerbResult compare(Session& session, VerbContext&, const VerbArgs& args) {
  if (args.words.size() < 2) return usage(args);
  auto ids = request_ids(args, 2);
  if (!ids) return unexpected(ids.error());
  auto diff = session.compare((*ids)[0], (*ids)[1]);
  if (!diff) return fail("no such requests in the history");
  std::string out;
  if (diff->same()) out += "same outcome and trace\n";
  for (const auto& line : diff->outcome) out += "  " + line + "\n";
  for (const auto& line : diff->trace) out += "  " + line + "\n";
  return out;
}

// save-scenario FILE [N]: request N (default: the last) and what it did, as a scenario that
// `pwplay test FILE` checks from now on.
VerbResult save_scenario(Session& session, VerbContext&, const VerbArgs& args) {
  if (args.words.empty()) return usage(args);
  std::optional<HistoryEntry> entry;
  if (args.words.size() > 1) {
    auto id = number_argument(args, 1, "a request number");
    if (!id) return unexpected(id.error());
    entry = session.history_entry(*id);
  } else if (auto history = session.history(); !history.empty()) {
    entry = history.back();
  }
  if (!entry) return fail("no such request in the history");
  const auto plugin = session.plugin_info();
  auto scenario = scenario_from_run(entry->request, run_result(*entry, plugin));
  if (!scenario) return fail(scenario.error().message);
  const std::string& file = args.words[0];
  if (auto saved = append_scenario(file, *scenario, plugin.wasm_path); !saved)
    return fail(saved.error().message);
  return format("Saved request %llu as scenario '%s' in %s\n",
                static_cast<unsigned long long>(entry->id),
                scenario->value("name", std::string()).c_str(), file.c_str());
}

// export-trace FILE: every event the session keeps, in Chrome's trace event format.
VerbResult export_trace(Session& session, VerbContext&, const VerbArgs& args) {
  if (args.words.empty()) return usage(args);
  auto written = export_chrome_trace(session.trace(), args.words[0]);
  if (!written) return fail(written.error().message);
  return format("Wrote %zu events to %s (Chrome trace format: open it in ui.perfetto.dev)\n",
                *written, args.words[0].c_str());
}

// watch on|off: reload the module when its file changes, and replay the last request.
VerbResult watch(Session& session, VerbContext& context, const VerbArgs& args) {
  if (args.words.empty() || (args.words[0] != "on" && args.words[0] != "off")) return usage(args);
  const bool on = args.words[0] == "on";
  if (on) {
    if (auto ready = prepare(context, "watch"); !ready) return fail(ready.error().message);
  }
  session.watch(on, true);
  if (!on) return std::string("Not watching the module file\n");
  return format(
      "Watching %s: a rebuild reloads it and replays the last request "
      "('info reload' shows what changed)\n",
      session.plugin_info().wasm_path.c_str());
}

// In the background, so that breakpoints in proxy_on_vm_start / proxy_on_configure can stop it.
VerbResult reload(Session& session, VerbContext& context, const VerbArgs&) {
  if (auto ready = prepare(context, "reload"); !ready) return fail(ready.error().message);
  context.reload_from_build = session.plugin_info().build;
  session.reload_in_background();
  return report_reload(session, context);
}

}  // namespace pwplay::debugger::verbs_impl
