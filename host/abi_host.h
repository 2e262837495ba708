// AbiHost: the proxy-wasm host functions (every import of ABI 0.1.0 - 0.2.1, WASI and the
// Emscripten shims) for one plugin's VM, over an abstract guest memory so that the same code runs
// on every engine and in unit tests without a VM. It owns the plugin's contexts and per-root
// state (ticks, callouts, gRPC calls) and records a trace event for every host call.
// Defined in host/abi_host*.cc, one file per subject (abi_host.cc says which is where).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi/enums.h"
#include "abi/functions.h"
#include "abi/pairs.h"
#include "host/environment.h"
#include "host/http_stream.h"
#include "host/perf_stats.h"
#include "host/trace.h"
#include "host/vm.h"

namespace pwplay::host {

// The module's memory and allocator, as the host functions need them.
class Guest {
 public:
  virtual ~Guest() = default;
  // Current linear memory; invalidated by allocate() (which runs module code).
  virtual std::span<uint8_t> memory() = 0;
  // Calls the module's allocator (malloc / proxy_on_memory_allocate); nullopt on failure.
  virtual std::optional<uint64_t> allocate(uint32_t size) = 0;
  // Host memory holding `size` bytes at `address`, an address as the module passes it to host
  // functions; nullptr when out of bounds. By default an offset into memory(), bounds-checked.
  // A native filter passes host addresses, returned as they are (see Vm::translate).
  virtual uint8_t* translate(uint64_t address, uint64_t size);
  // Bytes of a pointer or size_t in the module (char** and size_t* results): 4 for wasm32.
  virtual uint32_t word_size() const { return 4; }
  // The VM behind this memory, if any (pause points hand it to debuggers).
  virtual Vm* vm() { return nullptr; }
};

// Callbacks the host starts on a root context (ticks, callout replies, queue wake-ups).
// Implemented by Plugin, which owns the VM.
class RootCallbacks {
 public:
  virtual ~RootCallbacks() = default;
  virtual void on_tick(uint32_t root_id) = 0;
  virtual void on_queue_ready(uint32_t root_id, uint32_t queue_id) = 0;
  virtual void on_http_call_response(uint32_t root_id, uint32_t token, uint32_t headers,
                                     uint32_t body_size, uint32_t trailers) = 0;
  virtual void on_grpc_receive_initial_metadata(uint32_t root_id, uint32_t token,
                                                uint32_t count) = 0;
  virtual void on_grpc_receive(uint32_t root_id, uint32_t token, uint32_t size) = 0;
  virtual void on_grpc_receive_trailing_metadata(uint32_t root_id, uint32_t token,
                                                 uint32_t count) = 0;
  virtual void on_grpc_close(uint32_t root_id, uint32_t token, uint32_t status) = 0;
  virtual void on_deferred_delete(uint32_t root_id) = 0;
};

struct PluginIdentity {
  std::string name;
  std::string root_id;
  std::string vm_id;
  std::string configuration;     // PLUGIN_CONFIGURATION
  std::string vm_configuration;  // VM_CONFIGURATION
  abi::HeaderPairs environment;  // WASI environment variables (never the host's)
  std::map<std::string, std::string, std::less<>> properties;  // plugin-level properties
};

enum class ContextKind : uint8_t { Vm, Root, Stream };

// A log line from the module.
struct LogRecord {
  abi::LogLevel level = abi::LogLevel::Info;
  std::string message;
  std::string plugin;
  uint32_t context_id = 0;
  uint64_t stream_id = 0;
};

// Which host calls are allowed: start-up and the allocator may only use the few whose
// abi::HostFunctionSpec allows them (as cpp-host).
enum class CallPhase : uint8_t { StartUp, Allocator, Normal };

class AbiHost {
 public:
  AbiHost(HostEnv& env, PluginIdentity identity, abi::AbiVersion version, Guest& guest,
          RootCallbacks& root_callbacks);
  ~AbiHost();
  AbiHost(const AbiHost&) = delete;
  AbiHost& operator=(const AbiHost&) = delete;

  abi::AbiVersion version() const { return version_; }
  const PluginIdentity& identity() const { return identity_; }

  // The host function for an import, or nullopt when the host has none for this ABI version.
  std::optional<HostFunction> resolve(const ImportDesc& import);

  // Calls a host function by name with raw arguments, as the VM would (tests, fault injection
  // tools). Returns the function's i32 result; traps come back as an error.
  Result<uint32_t> call(std::string_view name, std::span<const Value> args);

  // --- Contexts ---------------------------------------------------------------------------------
  uint32_t create_root_context();
  uint32_t create_stream_context(uint32_t root_id, HttpStreamState& stream, StreamControl& control);
  void delete_context(uint32_t id);
  bool has_context(uint32_t id) const { return contexts_.count(id) != 0; }
  uint32_t root_of(uint32_t id) const;

  // Marks which context a callback runs on; host calls act on it (or on the context chosen with
  // proxy_set_effective_context) until the scope ends.
  class CallbackScope {
   public:
    CallbackScope(AbiHost& host, uint32_t context_id, CallPhase phase = CallPhase::Normal);
    ~CallbackScope();
    CallbackScope(const CallbackScope&) = delete;
    CallbackScope& operator=(const CallbackScope&) = delete;

   private:
    AbiHost& host_;
    uint32_t saved_current_;
    uint32_t saved_effective_;
    CallPhase saved_phase_;
    RequestTally* saved_tally_;
  };

  // Buffers that are only readable inside a callback (callout replies, gRPC messages, foreign
  // function arguments). Set by Plugin around those callbacks.
  void set_callout_reply(const CalloutResponse* reply) { callout_reply_ = reply; }
  void set_grpc_message(const std::string* message) { grpc_message_ = message; }
  void set_grpc_metadata(const abi::HeaderPairs* initial, const abi::HeaderPairs* trailing) {
    grpc_initial_ = initial;
    grpc_trailing_ = trailing;
  }
  void set_foreign_arguments(const std::string* args) { foreign_args_ = args; }
  void set_status(uint32_t code, std::string message) {
    status_code_ = code;
    status_message_ = std::move(message);
  }
  // Set while on_vm_start / on_configure run (0.1.0's proxy_get_configuration picks by it).
  void set_configuration_phase(bool vm_start) { in_vm_start_ = vm_start; }

  // A local reply requested during the current callback (forces "stop" as cpp-host does).
  bool take_local_reply_flag() {
    bool sent = local_reply_sent_;
    local_reply_sent_ = false;
    return sent;
  }

  // Who gets log lines; the run collects them, the proxy prints them.
  void set_log_handler(std::function<void(const LogRecord&)> handler) {
    log_handler_ = std::move(handler);
  }

  // Host call results forced by fault injection: name -> status. Marked in the trace.
  void inject_result(std::string name, abi::Status status) {
    injections_[std::move(name)] = status;
  }
  void clear_injections() { injections_.clear(); }

  // A debugger's abort at a pause inside this plugin: the running call ends as a terminated call
  // with this message ("aborted by the user at proxy_log"), whichever engine runs it. The plugin
  // takes it when the call fails.
  void note_user_abort(std::string message) { user_abort_ = std::move(message); }
  std::optional<std::string> take_user_abort() { return std::exchange(user_abort_, std::nullopt); }

  // A root context whose proxy_on_done returned false: it may call proxy_done later.
  void mark_pending_done(uint32_t root_id) { pending_done_roots_.push_back(root_id); }

  // Stops ticks, drops pending callouts and queue wake-ups (the plugin goes away).
  void shutdown();

  // Work the filter started that has not finished: callouts not answered yet (gRPC streams,
  // which may stay open for good, are not counted) and root contexts with a tick period whose
  // first tick has not fired. A simulated run lets start-up work finish before the first request
  // (host/local_run.h warm_up).
  struct PendingWork {
    size_t http_calls = 0;
    size_t grpc_calls = 0;
    size_t first_ticks = 0;
  };
  PendingWork pending_work() const;

  // Switches the phase (start-up / allocator / normal) and returns the previous one.
  CallPhase exchange_phase(CallPhase phase) {
    CallPhase previous = phase_;
    phase_ = phase;
    return previous;
  }

  // Performance counters (host/perf_stats.h): Plugin sets its block; host calls, copies and
  // allocations are counted there, and each stream context's tally is folded in when it is
  // deleted. `tally` is the stream context's running tally (nullptr for other contexts).
  void set_perf(PluginPerf* perf) { perf_ = perf; }
  RequestTally* tally(uint32_t context_id);

  // Trace plumbing shared with Plugin.
  uint32_t depth() const { return depth_; }
  uint32_t current_context() const { return current_context_; }
  uint64_t stream_id_of(uint32_t context_id) const;
  const HttpStreamState* stream_of(uint32_t context_id) const;

  // Records a trace event stamped with this plugin's identity (no-op when tracing is off).
  void record(TraceEvent event);

  struct HostCallState;  // per-call scratch (arguments, trace notes, copies)

  // Where the ABI's host function table (abi/functions.cc) and the implementation table disagree:
  // a row with no implementation, an implementation that names no row or a row twice. Empty when
  // they agree (a unit test keeps it so).
  static std::vector<std::string> function_table_problems();

 private:
  struct ContextState {
    ContextKind kind = ContextKind::Stream;
    uint32_t root_id = 0;
    HttpStreamState* stream = nullptr;
    StreamControl* control = nullptr;
    // Root contexts only.
    Dispatcher::TimerId tick_timer = 0;
    uint32_t tick_period_ms = 0;
    bool ticked = false;  // its tick fired at least once
    RequestTally tally;   // stream contexts: what this request cost (perf counters)
  };

  // The implementation table (host/abi_host_table.cc): one row per abi::host_functions() row,
  // naming it and the member function that implements it. The only list of host functions here.
  using Impl = uint32_t (AbiHost::*)(HostCallState&);
  struct ImplRow {
    std::string_view name;
    Impl impl;
  };
  static std::span<const ImplRow> implementation_rows();
  // The implementation of an abi::host_functions() row; nullptr if it has none.
  static Impl implementation_of(const abi::HostFunctionSpec& spec);

  uint32_t dispatch(const abi::HostFunctionSpec& spec, Impl impl, HostCallState& call);

  // Memory helpers: every one goes through Guest::translate (bounds-checked for wasm).
  std::optional<std::string_view> read(uint64_t ptr, uint64_t size);
  bool write_u32(uint64_t ptr, uint32_t value);
  bool write_u64(uint64_t ptr, uint64_t value);
  bool write_bytes(uint64_t ptr, std::string_view bytes);
  // A pointer or size_t result: Guest::word_size() bytes.
  bool write_word(uint64_t ptr, uint64_t value);
  // Copies `data` into newly allocated module memory and writes its address and size to the
  // ret pointers (guest words). Empty data writes 0/0 without allocating. Records a copy event.
  abi::Status return_bytes(HostCallState& call, std::string_view data, uint64_t ret_ptr,
                           uint64_t ret_size, const std::string& label);
  void note_copy(HostCallState& call, CopyDirection direction, uint64_t address,
                 std::string_view data, std::string label);

  ContextState* effective();
  ContextState* find_context(uint32_t id);
  // The effective context's stream control; nullptr on root and VM contexts.
  StreamControl* effective_control();
  // Every continue / close call: a stream type (checked, traced) and what to do with it.
  using StreamAction = abi::Status (StreamControl::*)(abi::StreamType type);
  uint32_t control_stream(HostCallState& call, uint32_t stream_type, StreamAction action);
  HeaderMap* map_for(abi::MapType type, bool& read_only, abi::HeaderPairs*& external);
  // A header write refused by the rules of host/header_rules.h: noted in the trace, logged
  // (a few per stream, so a runaway filter cannot flood the log) and answered BAD_ARGUMENT.
  uint32_t refuse(HostCallState& call, std::string_view function, const std::string& problem);
  // proxy_add_header_map_value and proxy_replace_header_map_value read, check and trace the
  // same arguments; only the change they make to the map differs.
  using HeaderMapWrite = void (HeaderMap::*)(std::string_view name, std::string_view value);
  uint32_t write_header_map_value(HostCallState& call, HeaderMapWrite write,
                                  std::string_view function);
  std::string* buffer_for(abi::BufferType type, bool& read_only, bool& available);
  void emit_log(abi::LogLevel level, std::string message);
  Result<std::string, abi::Status> lookup_property(const std::vector<std::string>& segments);

  // --- Host functions (each returns the i32 status or WASI errno), by room --------------------
  // abi_host.cc: logging, time, contexts.
  uint32_t proxy_log(HostCallState&);
  uint32_t proxy_get_log_level(HostCallState&);
  uint32_t proxy_get_current_time_nanoseconds(HostCallState&);
  uint32_t proxy_set_tick_period_milliseconds(HostCallState&);
  uint32_t proxy_set_effective_context(HostCallState&);
  uint32_t proxy_done(HostCallState&);
  uint32_t proxy_get_configuration(HostCallState&);
  // abi_host_http.cc: buffers, header maps, stream control.
  uint32_t proxy_get_buffer_bytes(HostCallState&);
  uint32_t proxy_get_buffer_status(HostCallState&);
  uint32_t proxy_set_buffer_bytes(HostCallState&);
  uint32_t proxy_get_header_map_pairs(HostCallState&);
  uint32_t proxy_set_header_map_pairs(HostCallState&);
  uint32_t proxy_get_header_map_value(HostCallState&);
  uint32_t proxy_add_header_map_value(HostCallState&);
  uint32_t proxy_replace_header_map_value(HostCallState&);
  uint32_t proxy_remove_header_map_value(HostCallState&);
  uint32_t proxy_get_header_map_size(HostCallState&);
  uint32_t proxy_continue_request(HostCallState&);
  uint32_t proxy_continue_response(HostCallState&);
  uint32_t proxy_clear_route_cache(HostCallState&);
  uint32_t proxy_continue_stream(HostCallState&);
  uint32_t proxy_close_stream(HostCallState&);
  uint32_t proxy_send_local_response(HostCallState&);
  // abi_host_callouts.cc: HTTP and gRPC callouts.
  uint32_t proxy_http_call(HostCallState&);
  uint32_t proxy_grpc_call(HostCallState&);
  uint32_t proxy_grpc_stream(HostCallState&);
  uint32_t proxy_grpc_send(HostCallState&);
  uint32_t proxy_grpc_cancel(HostCallState&);
  uint32_t proxy_grpc_close(HostCallState&);
  uint32_t proxy_get_status(HostCallState&);
  // abi_host_shared.cc: shared data and queues, metrics, properties, foreign functions.
  uint32_t proxy_set_shared_data(HostCallState&);
  uint32_t proxy_get_shared_data(HostCallState&);
  uint32_t proxy_register_shared_queue(HostCallState&);
  uint32_t proxy_resolve_shared_queue(HostCallState&);
  uint32_t proxy_enqueue_shared_queue(HostCallState&);
  uint32_t proxy_dequeue_shared_queue(HostCallState&);
  uint32_t proxy_define_metric(HostCallState&);
  uint32_t proxy_increment_metric(HostCallState&);
  uint32_t proxy_record_metric(HostCallState&);
  uint32_t proxy_get_metric(HostCallState&);
  uint32_t proxy_get_property(HostCallState&);
  uint32_t proxy_set_property(HostCallState&);
  uint32_t proxy_call_foreign_function(HostCallState&);
  // abi_host_wasi.cc: Emscripten shims and WASI.
  uint32_t pthread_equal(HostCallState&);
  uint32_t emscripten_notify_memory_growth(HostCallState&);
  // WASI.
  uint32_t wasi_fd_write(HostCallState&);
  uint32_t wasi_fd_pwrite(HostCallState&);
  uint32_t wasi_fd_read(HostCallState&);
  uint32_t wasi_fd_seek(HostCallState&);
  uint32_t wasi_fd_tell(HostCallState&);
  uint32_t wasi_fd_close(HostCallState&);
  uint32_t wasi_fd_fdstat_get(HostCallState&);
  uint32_t wasi_stdio_only(HostCallState&);  // fd 1/2 -> 0, else BADF
  uint32_t wasi_nosys(HostCallState&);       // NOSYS
  uint32_t wasi_badf(HostCallState&);        // BADF
  uint32_t wasi_notsup(HostCallState&);      // NOTSUP, no filesystem
  uint32_t wasi_success(HostCallState&);     // 0
  uint32_t wasi_fd_readdir(HostCallState&);
  uint32_t wasi_fd_renumber(HostCallState&);
  uint32_t wasi_path_open(HostCallState&);
  uint32_t wasi_path_readlink(HostCallState&);
  uint32_t wasi_sock_accept(HostCallState&);
  uint32_t wasi_sock_recv(HostCallState&);
  uint32_t wasi_sock_send(HostCallState&);
  uint32_t wasi_environ_sizes_get(HostCallState&);
  uint32_t wasi_environ_get(HostCallState&);
  uint32_t wasi_args_sizes_get(HostCallState&);
  uint32_t wasi_args_get(HostCallState&);
  uint32_t wasi_clock_time_get(HostCallState&);
  uint32_t wasi_clock_res_get(HostCallState&);
  uint32_t wasi_random_get(HostCallState&);
  uint32_t wasi_poll_oneoff(HostCallState&);
  uint32_t wasi_proc_exit(HostCallState&);

  uint32_t write_stdio(HostCallState& call, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                       uint32_t ret_written);

  HostEnv& env_;
  PluginIdentity identity_;
  abi::AbiVersion version_;
  Guest& guest_;
  RootCallbacks& root_callbacks_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  std::map<uint32_t, ContextState> contexts_;
  uint32_t next_context_id_ = 1;
  uint32_t current_context_ = 0;
  uint32_t effective_context_ = 0;
  CallPhase phase_ = CallPhase::Normal;
  uint32_t depth_ = 0;
  PluginPerf* perf_ = nullptr;
  RequestTally* current_tally_ = nullptr;  // the current callback's stream context, if any
  bool local_reply_sent_ = false;
  bool in_vm_start_ = false;
  // Refusals logged for the stream refusal_stream_ (0: no stream), see refuse().
  uint64_t refusal_stream_ = 0;
  uint32_t refusals_logged_ = 0;

  const CalloutResponse* callout_reply_ = nullptr;
  const std::string* grpc_message_ = nullptr;
  const abi::HeaderPairs* grpc_initial_ = nullptr;
  const abi::HeaderPairs* grpc_trailing_ = nullptr;
  const std::string* foreign_args_ = nullptr;
  uint32_t status_code_ = 0;
  std::string status_message_;

  uint32_t next_http_token_ = 0;
  std::set<uint32_t> http_in_flight_;  // tokens of callouts not answered yet  // ids step by 4 with
                                       // the kind in the low bits (as cpp-host)
  uint32_t next_grpc_call_ = 1;
  uint32_t next_grpc_stream_ = 2;
  struct GrpcCall {
    uint32_t root_id = 0;
    bool is_stream = false;
    GrpcMockReply reply;
    size_t replies_sent = 0;
  };
  std::map<uint32_t, GrpcCall> grpc_calls_;
  std::vector<uint32_t> pending_done_roots_;

  std::map<std::string, abi::Status, std::less<>> injections_;
  std::optional<std::string> user_abort_;
  std::function<void(const LogRecord&)> log_handler_;
};

}  // namespace pwplay::host
