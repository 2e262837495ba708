#include "debugger/formats/report_json.h"

#include "abi/enums.h"
#include "debugger/formats/request_file.h"
#include "debugger/message_diff.h"

namespace pwplay::debugger {

using nlohmann::json;

json trace_event_to_json(const host::TraceEvent& event) {
  json out;
  out["seq"] = event.seq;
  out["kind"] = host::event_kind_name(event.kind);
  out["name"] = event.name;
  if (!event.phase.empty()) out["phase"] = event.phase;
  json args = json::object();
  for (const auto& field : event.args) {
    // Values are printable already; keep invalid UTF-8 from breaking the JSON.
    args[field.name] =
        is_valid_utf8(field.value) ? field.value : "base64:" + base64_encode(field.value);
  }
  out["args"] = args;
  out["result"] = event.result;
  out["ns"] = event.duration_ns;
  out["start_ns"] = event.start_ns;
  out["stream_id"] = event.stream_id;
  out["context_id"] = event.context_id;
  out["root_context_id"] = event.root_context_id;
  out["plugin"] = event.plugin;
  out["depth"] = event.depth;
  if (event.injected) out["injected"] = true;
  if (!event.warnings.empty()) out["warnings"] = event.warnings;
  if (event.kind == host::EventKind::Copy) {
    out["direction"] =
        event.direction == host::CopyDirection::HostToVm ? "host_to_vm" : "vm_to_host";
    out["address"] = event.address;
    out["length"] = event.length;
    out["label"] = event.label;
    put_body(out, event.preview, "preview");
  }
  return out;
}

json request_view_to_json(const host::MessageView& message) {
  json out;
  out["method"] = message.method;
  out["path"] = message.path;
  out["headers"] = header_list_to_json(message.headers);
  put_body(out, message.body);
  out["trailers"] = header_list_to_json(message.trailers);
  return out;
}

json response_view_to_json(const host::MessageView& message) {
  json out;
  out["status"] = message.status;
  out["headers"] = header_list_to_json(message.headers);
  put_body(out, message.body);
  out["trailers"] = header_list_to_json(message.trailers);
  return out;
}

namespace {

json header_changes_to_json(const std::vector<HeaderDiffRow>& rows) {
  json out = json::array();
  for (const auto& row : rows) {
    if (row.change == HeaderChange::Same) continue;
    json entry = {{"name", row.name}, {"change", header_change_name(row.change)}};
    entry["value"] = row.value;
    if (row.change == HeaderChange::Changed) entry["old_value"] = row.old_value;
    out.push_back(entry);
  }
  return out;
}

json message_diff_to_json(const std::optional<MessageDiff>& diff) {
  if (!diff) return nullptr;
  json out;
  out["headers"] = header_changes_to_json(diff->headers);
  out["trailers"] = header_changes_to_json(diff->trailers);
  out["body"] = {{"changed", diff->body.changed},
                 {"before_size", diff->body.before_size},
                 {"after_size", diff->body.after_size},
                 {"offset", diff->body.offset},
                 {"removed_bytes", diff->body.removed_bytes},
                 {"inserted_bytes", diff->body.inserted_bytes}};
  return out;
}

}  // namespace

nlohmann::json stream_diff_to_json(const host::RunReport& report) {
  StreamDiff diff = diff_stream(report);
  return {{"request", message_diff_to_json(diff.request)},
          {"response", message_diff_to_json(diff.response)}};
}

json startup_to_json(const StartupResult& startup) {
  json out;
  out["ok"] = startup.ok;
  if (!startup.ok) {
    out["phase"] = startup.phase;
    out["error"] = startup.error;
    out["fault"] = std::string(host::vm_fault_name(startup.fault));
    json frames = json::array();
    for (const auto& frame : startup.backtrace)
      frames.push_back({{"function_index", frame.function_index},
                        {"name", frame.name},
                        {"code_offset", frame.code_offset}});
    out["backtrace"] = frames;
  }
  json logs = json::array();
  for (const auto& record : startup.logs) {
    json entry;
    entry["level"] = std::string(abi::log_level_label(record.level));
    put_body(entry, record.message, "message");
    logs.push_back(entry);
  }
  out["logs"] = logs;
  json trace = json::array();
  for (const auto& event : startup.trace) trace.push_back(trace_event_to_json(event));
  out["trace"] = trace;
  return out;
}

json run_result_to_json(const RunResult& result) {
  json out;
  if (!result.startup.ok) {
    // No request ran: the object says who failed to start, where and why.
    out["abi_version"] = result.abi_version;
    out["engine"] = result.engine;
    out["plugin"] = result.plugin_name;
    out["startup"] = startup_to_json(result.startup);
    return out;
  }
  out["abi_version"] = result.abi_version;
  out["engine"] = result.engine;
  out["engine_version"] = result.engine_version;
  out["plugin"] = result.plugin_name;
  // The start-up work run before the request (callouts answered, first ticks), simulated time.
  out["warmup"] = {{"virtual_ms", static_cast<double>(result.warmup.virtual_ns) / 1e6},
                   {"pending_callouts", result.warmup.pending_callouts},
                   {"limit_reached", result.warmup.limit_reached}};
  out["client_request"] = request_view_to_json(result.report.client_request);
  out["upstream_request"] = result.report.upstream_request
                                ? request_view_to_json(*result.report.upstream_request)
                                : json(nullptr);
  out["upstream_response"] = result.report.upstream_response
                                 ? response_view_to_json(*result.report.upstream_response)
                                 : json(nullptr);
  out["response"] =
      result.report.response ? response_view_to_json(*result.report.response) : json(nullptr);
  // What the filters changed: client -> upstream, and upstream -> client (changes only).
  out["diff"] = stream_diff_to_json(result.report);
  out["local_response"] = result.report.local_response;
  if (result.report.local_reply) {
    json reply;
    reply["status"] = result.report.local_reply->status;
    reply["details"] = result.report.local_reply->details;
    out["local_reply"] = reply;
  }
  if (!result.report.refused_local_replies.empty())
    out["refused_local_replies"] = result.report.refused_local_replies;
  out["reset"] = result.report.reset;
  if (result.report.reset) out["reset_reason"] = result.report.reset_reason;
  out["stalled"] = result.report.stalled;
  if (result.report.stalled) out["stall_reason"] = result.report.stall_reason;
  if (result.failure) {
    json failure;
    failure["callback"] = result.failure->callback;
    failure["fault"] = std::string(host::vm_fault_name(result.failure->fault));
    failure["message"] = result.failure->message;
    json frames = json::array();
    for (const auto& frame : result.failure->backtrace)
      frames.push_back({{"function_index", frame.function_index},
                        {"name", frame.name},
                        {"code_offset", frame.code_offset}});
    failure["backtrace"] = frames;
    out["failure"] = failure;
  } else {
    out["failure"] = nullptr;
  }
  json logs = json::array();
  for (const auto& record : result.logs) {
    json entry;
    entry["level"] = std::string(abi::log_level_label(record.level));
    put_body(entry, record.message, "message");
    logs.push_back(entry);
  }
  out["logs"] = logs;
  json callouts = json::array();
  for (const auto& sent : result.callouts_sent) {
    json entry;
    entry["cluster"] = sent.cluster;
    entry["headers"] = header_list_to_json(sent.headers);
    put_body(entry, sent.body);
    callouts.push_back(entry);
  }
  out["callouts"] = callouts;
  json trace = json::array();
  for (const auto& event : result.trace) trace.push_back(trace_event_to_json(event));
  out["trace"] = trace;
  json metrics = json::array();
  for (const auto& metric : result.metrics)
    metrics.push_back(
        {{"name", metric.name}, {"type", abi::name(metric.type)}, {"value", metric.value}});
  json stats;
  stats["callbacks"] = result.stats.callbacks;
  stats["host_calls"] = result.stats.host_calls;
  stats["copies"] = result.stats.copies;
  stats["bytes_copied_to_vm"] = result.stats.bytes_to_vm;
  stats["bytes_copied_to_host"] = result.stats.bytes_to_host;
  stats["filter_ns"] = result.stats.filter_ns;
  stats["memory_bytes"] = result.stats.memory_bytes;
  stats["vm_restarts"] = result.stats.vm_restarts;
  stats["metrics"] = metrics;
  out["stats"] = stats;
  out["startup"] = startup_to_json(result.startup);
  return out;
}

}  // namespace pwplay::debugger
