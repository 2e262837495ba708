#include "support/e2e.h"

#include <nlohmann/json.hpp>

#include "abi/functions.h"
#include "debugger/formats/request_file.h"
#include "support/wat.h"

namespace pwplay::test {
namespace {

std::string wat_types(std::string_view letters) {
  std::string out;
  for (char letter : letters) out += letter == 'I' ? " i64" : " i32";
  return out;
}

}  // namespace

std::string filter_wat(std::string_view abi, const std::vector<std::string>& imports,
                       std::string_view body, std::string_view allocator) {
  std::string wat = "(module\n";
  for (const std::string& name : imports) {
    const abi::HostFunctionSpec* spec = abi::find_host_function(name);
    if (!spec) {
      ADD_FAILURE() << "filter_wat: " << name << " is not a host function of the ABI table";
      continue;
    }
    const char* module = spec->module == abi::ImportModule::Env ? "env" : "wasi_snapshot_preview1";
    wat += "  (import \"" + std::string(module) + "\" \"" + name + "\" (func $" + name;
    if (!spec->signature.params.empty()) wat += " (param" + wat_types(spec->signature.params) + ")";
    if (!spec->signature.results.empty())
      wat += " (result" + wat_types(spec->signature.results) + ")";
    wat += "))\n";
  }
  wat += "  (memory (export \"memory\") 1)\n";
  // Bump allocator from 32 KiB, growing memory as needed; 0 when out of address space.
  wat += "  (global $heap_top (mut i32) (i32.const 32768))\n";
  wat += "  (func $malloc (export \"" + std::string(allocator) + "\")";
  wat += R"( (param $size i32) (result i32)
    (local $ptr i32) (local $end i32)
    (local.set $ptr (global.get $heap_top))
    (local.set $end (i32.and (i32.add (i32.add (local.get $ptr) (local.get $size)) (i32.const 7))
                             (i32.const -8)))
    (if (i32.lt_u (local.get $end) (local.get $ptr)) (then (return (i32.const 0))))
    (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
      (then (if (i32.eq (memory.grow (i32.sub (i32.shr_u (i32.add (local.get $end)
                                                                  (i32.const 65535))
                                                         (i32.const 16))
                                              (memory.size)))
                        (i32.const -1))
              (then (return (i32.const 0))))))
    (global.set $heap_top (local.get $end))
    (local.get $ptr))
)";
  wat += "  (func (export \"proxy_abi_version_" + std::string(abi) + "\"))\n";
  wat += body;
  wat += "\n)\n";
  return wat;
}

debugger::PluginSpec wat_spec(const std::string& engine, std::string_view wat) {
  debugger::PluginSpec spec;
  spec.inline_code = wat_to_wasm(wat);
  spec.engine = engine;
  spec.name = "e2e";
  return spec;
}

Result<debugger::RunResult> run_wat(const debugger::PluginSpec& spec,
                                    const std::string& request_json) {
  nlohmann::json json = nlohmann::json::parse(request_json, nullptr, false);
  if (json.is_discarded()) return make_error("run_wat: the request is not JSON: " + request_json);
  Result<debugger::RequestFile> request = debugger::parse_request(json, "request");
  if (!request) return unexpected(request.error());
  return debugger::run_once(spec, *request);
}

::testing::AssertionResult trace_has(const std::vector<host::TraceEvent>& trace,
                                     std::string_view name) {
  for (const host::TraceEvent& event : trace) {
    if (event.name != name) continue;
    if (event.kind == host::EventKind::HostCall) return ::testing::AssertionSuccess();
    // Start-up exports are recorded on exit only.
    if (event.kind == host::EventKind::Callback) return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "the run's trace (" << trace.size() << " events) has no host call or callback " << name;
}

std::vector<std::string> callbacks_entered(const std::vector<host::TraceEvent>& trace,
                                           std::initializer_list<std::string_view> only) {
  std::vector<std::string> names;
  for (const host::TraceEvent& event : trace) {
    if (event.kind != host::EventKind::Callback || event.phase != "enter") continue;
    bool wanted = only.size() == 0;
    for (std::string_view name : only) wanted = wanted || event.name == name;
    if (wanted) names.push_back(event.name);
  }
  return names;
}

std::string host_call_result(const std::vector<host::TraceEvent>& trace, std::string_view name) {
  for (const host::TraceEvent& event : trace)
    if (event.kind == host::EventKind::HostCall && event.name == name) return event.result;
  return "<not called>";
}

std::vector<std::string> log_messages(const debugger::RunResult& run) {
  std::vector<std::string> messages;
  for (const host::LogRecord& record : run.logs) messages.push_back(record.message);
  return messages;
}

}  // namespace pwplay::test
