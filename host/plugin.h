// Plugin: one proxy-wasm plugin as Envoy runs it — a module loaded into a VM on one engine, its
// ABI version, its root context, and the callbacks into it. It starts the VM as Envoy does
// (_initialize/main or _start, on_context_create, on_vm_start, on_configure), turns traps and
// runaway loops into a failed state instead of a crash, and replaces a failed VM on request.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "abi/enums.h"
#include "abi/result.h"
#include "host/abi_host.h"
#include "host/environment.h"
#include "host/vm.h"

namespace pwplay::host {

// Plugin configuration as Envoy users write it (envoy.extensions.filters.http.wasm.v3.Wasm).
struct PluginConfig {
  std::string name;              // plugin name (Envoy "name"); defaults to the file name
  std::string root_id;           // Envoy "root_id"
  std::string vm_id;             // Envoy "vm_config.vm_id"
  std::string configuration;     // Envoy "configuration" (string, or JSON text)
  std::string vm_configuration;  // Envoy "vm_config.configuration"
  bool fail_open = false;        // Envoy "fail_open"
  std::string engine = "v8";     // "v8", "wabt" or "native" (host::available_engines())
  VmOptions vm_options;
  abi::HeaderPairs environment;  // WASI environment (Envoy vm_config.environment_variables)
  std::map<std::string, std::string, std::less<>> properties;
  std::string wasm_path;  // where the module came from (messages, reload)
  // Envoy's allow_on_headers_stop_iteration: without it, StopIteration from a headers callback
  // is treated as StopAllIterationAndWatermark (as proxy-wasm-cpp-host does).
  bool allow_on_headers_stop_iteration = false;
};

// The callbacks the host may call, resolved once at start.
enum class Callback : uint8_t {
  OnContextCreate,
  OnVmStart,
  OnConfigure,
  OnTick,
  OnQueueReady,
  OnForeignFunction,
  OnRequestHeaders,
  OnRequestBody,
  OnRequestTrailers,
  OnResponseHeaders,
  OnResponseBody,
  OnResponseTrailers,
  OnHttpCallResponse,
  OnGrpcReceiveInitialMetadata,
  OnGrpcReceive,
  OnGrpcReceiveTrailingMetadata,
  OnGrpcClose,
  OnDone,
  OnLog,
  OnDelete,
  Count,
};

const char* callback_name(Callback callback);

// Why a plugin is not running.
struct PluginFailure {
  std::string callback;  // where it failed ("proxy_on_request_headers", "start-up", "link")
  std::string message;   // "Function: proxy_on_request_headers failed: RuntimeError: unreachable"
  VmFault fault = VmFault::None;
  std::vector<WasmFrame> backtrace;
  // Whether the next stream gets a fresh VM (FilterChain::new_stream). A VM that failed in a
  // recurring root callback (proxy_on_tick, proxy_on_queue_ready) stays failed, as Envoy's does:
  // a fresh one would only re-arm the tick and fail the same way on every request.
  bool reload = true;
};

class Plugin : public RootCallbacks {
 public:
  // Loads, links and starts the module. Errors name the file and what went wrong.
  static Result<std::unique_ptr<Plugin>> create(HostEnv& env, PluginConfig config,
                                                std::vector<uint8_t> wasm);
  // The same, and when start-up fails `failure` says where (the phase: "load", "link", "_start",
  // "proxy_on_configure", ...), how (the fault) and the backtrace, for reports that explain it.
  static Result<std::unique_ptr<Plugin>> create(HostEnv& env, PluginConfig config,
                                                std::vector<uint8_t> wasm,
                                                std::optional<PluginFailure>& failure);
  // Use create(); the key keeps the constructor private in practice while make_unique works.
  class Key {
    friend class Plugin;
    Key() = default;
  };
  Plugin(Key, HostEnv& env, PluginConfig config, std::vector<uint8_t> wasm);
  ~Plugin() override;

  const PluginConfig& config() const { return config_; }
  abi::AbiVersion abi_version() const { return version_; }
  std::string engine_name() const;
  std::string engine_version() const;
  uint32_t root_context_id() const { return root_id_; }

  // Once a callback traps (or start-up fails) the plugin is failed: later callbacks are skipped.
  bool failed() const { return failure_.has_value(); }
  const std::optional<PluginFailure>& failure() const { return failure_; }
  // Replaces a failed VM with a fresh one, as Envoy's VM reload does. Counts restarts.
  Result<void> restart();
  uint32_t restarts() const { return restarts_; }
  // Bumped at every restart; stream contexts of an older generation are dead.
  uint64_t generation() const { return generation_; }

  // Stream contexts. Returns the new context id (0 when the plugin is failed).
  uint32_t create_stream_context(HttpStreamState& stream, StreamControl& control);
  // Runs proxy_on_log, proxy_on_done and proxy_on_delete for a finished stream.
  void finish_stream_context(uint32_t context_id);

  // Calls a stream callback. nullopt = the VM failed during the call (see failure()).
  // A callback the module does not export answers Continue (0).
  std::optional<uint32_t> call(Callback callback, uint32_t context_id,
                               std::initializer_list<uint32_t> args);
  bool exports_callback(Callback callback) const {
    return callbacks_[static_cast<size_t>(callback)].valid();
  }

  AbiHost& abi_host() { return *host_; }
  // This plugin's performance counters (also listed in HostEnv::perf()).
  PluginPerf& perf() { return *perf_; }
  // Fault injection that survives VM restarts: forced host-call results, a failing allocator.
  void set_injections(std::map<std::string, abi::Status> injections);
  void set_fail_allocations(bool fail) { fail_allocations_ = fail; }
  Vm& vm() { return *vm_; }
  void set_log_handler(std::function<void(const LogRecord&)> handler);
  // Called once each time the VM fails (a trap, a runaway loop, a host trap), while the failed
  // call is still on the stack: streams paused at this plugin learn that no callback will
  // resume them (the filter chain sets it).
  void set_failure_handler(std::function<void()> handler) { failure_handler_ = std::move(handler); }

  // RootCallbacks: asynchronous events on the root context.
  void on_tick(uint32_t root_id) override;
  void on_queue_ready(uint32_t root_id, uint32_t queue_id) override;
  void on_http_call_response(uint32_t root_id, uint32_t token, uint32_t headers, uint32_t body_size,
                             uint32_t trailers) override;
  void on_grpc_receive_initial_metadata(uint32_t root_id, uint32_t token, uint32_t count) override;
  void on_grpc_receive(uint32_t root_id, uint32_t token, uint32_t size) override;
  void on_grpc_receive_trailing_metadata(uint32_t root_id, uint32_t token, uint32_t count) override;
  void on_grpc_close(uint32_t root_id, uint32_t token, uint32_t status) override;
  void on_deferred_delete(uint32_t root_id) override;

  // Calls proxy_on_done / proxy_on_delete on the root context (plugin shutdown).
  void shutdown();

 private:
  class VmGuest;
  Result<void> start();
  std::optional<uint32_t> invoke(Callback callback, uint32_t context_id,
                                 std::span<const Value> args, bool has_result,
                                 CallPhase phase = CallPhase::Normal);
  Result<void> run_start_function(std::string_view name, const FuncType& type,
                                  std::span<const Value> args);
  void fail(std::string callback, const VmError& error);
  // Performance counters after one callback returned (time, the stream's tally, memory size).
  void count_call(Callback callback, uint32_t context_id, uint64_t call_start,
                  uint64_t instructions_before);
  // Lets an attached debugger stop here (no-op unless the trace sink pauses).
  PauseVerdict pause_point(PausePoint::Where where, uint32_t context_id);
  std::string decode_result(Callback callback, uint32_t value) const;

  HostEnv& env_;
  PluginConfig config_;
  std::vector<uint8_t> wasm_;
  abi::AbiVersion version_ = abi::AbiVersion::v0_2_1;
  std::unique_ptr<Vm> vm_;
  std::unique_ptr<VmGuest> guest_;
  std::unique_ptr<AbiHost> host_;
  std::shared_ptr<PluginPerf> perf_;  // this plugin's counters, shared with HostEnv::perf()
  bool counts_instructions_ = false;  // the engine counts wasm instructions (WABT)
  std::array<FunctionRef, static_cast<size_t>(Callback::Count)> callbacks_{};
  bool alias_grpc_trailing_ = false;
  FunctionRef allocator_;
  uint32_t root_id_ = 0;
  std::optional<PluginFailure> failure_;
  uint32_t restarts_ = 0;
  uint64_t generation_ = 0;
  size_t last_memory_size_ = 0;
  uint32_t call_depth_ = 0;
  std::map<std::string, abi::Status> injections_;
  bool fail_allocations_ = false;
  std::function<void(const LogRecord&)> log_handler_;
  std::function<void()> failure_handler_;
};

}  // namespace pwplay::host
