#include "host/abi_host.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <set>

namespace pwplay::host {

using abi::Status;

struct AbiHost::HostCallState {
  std::span<const Value> args;
  bool tracing = false;
  std::vector<TraceField> notes;
  std::vector<TraceEvent> copies;
  std::optional<std::string> trap;

  uint32_t a(size_t i) const { return args[i].as_u32(); }
  uint64_t a64(size_t i) const { return args[i].as_u64(); }
  // A pointer or size argument: all 64 bits, since the native engine passes host addresses and
  // size_t values (wasm engines pass zero-extended i32s, so this equals a(i) for them).
  uint64_t p(size_t i) const { return args[i].as_u64(); }
  void note(std::string name, std::string value) {
    if (tracing) notes.push_back({std::move(name), std::move(value)});
  }
};

namespace {

constexpr uint32_t S(Status status) {
  return static_cast<uint32_t>(status);
}
constexpr uint32_t E(abi::WasiErrno errno_value) {
  return static_cast<uint32_t>(errno_value);
}

// Printable form of bytes for trace notes: text as is, other bytes escaped; bounded length.
std::string printable(std::string_view bytes, size_t limit = 256) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < limit; ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  if (bytes.size() > limit) out += "...";
  return out;
}

std::string encode_u64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

// Start-up functions may only log and use a few WASI calls (proxy-wasm-cpp-host's rule).
bool allowed_during_startup(std::string_view name) {
  static const std::set<std::string_view> allowed = {"proxy_log",
                                                     "emscripten_notify_memory_growth",
                                                     "fd_write",
                                                     "args_sizes_get",
                                                     "args_get",
                                                     "environ_sizes_get",
                                                     "environ_get",
                                                     "clock_time_get",
                                                     "clock_res_get",
                                                     "random_get",
                                                     "poll_oneoff",
                                                     "fd_fdstat_get",
                                                     "fd_fdstat_set_flags",
                                                     "fd_advise",
                                                     "fd_allocate",
                                                     "fd_datasync",
                                                     "fd_fdstat_set_rights",
                                                     "fd_filestat_get",
                                                     "fd_filestat_set_size",
                                                     "fd_filestat_set_times",
                                                     "fd_pread",
                                                     "fd_prestat_dir_name",
                                                     "fd_prestat_get",
                                                     "fd_pwrite",
                                                     "fd_readdir",
                                                     "fd_renumber",
                                                     "fd_sync",
                                                     "fd_tell",
                                                     "path_create_directory",
                                                     "path_filestat_get",
                                                     "path_filestat_set_times",
                                                     "path_link",
                                                     "path_readlink",
                                                     "path_remove_directory",
                                                     "path_rename",
                                                     "path_symlink",
                                                     "path_unlink_file",
                                                     "sock_accept",
                                                     "sock_recv",
                                                     "sock_send",
                                                     "sock_shutdown"};
  return allowed.count(name) != 0;
}

bool allowed_in_allocator(std::string_view name) {
  return name == "proxy_log" || name == "fd_write" || name == "clock_time_get" ||
         name == "poll_oneoff";
}

FuncType func_type_of(const abi::Signature& signature) {
  FuncType type;
  for (char c : signature.params) type.params.push_back(c == 'I' ? ValType::I64 : ValType::I32);
  for (char c : signature.results) type.results.push_back(c == 'I' ? ValType::I64 : ValType::I32);
  return type;
}

}  // namespace

const std::map<std::string_view, AbiHost::Impl>& AbiHost::implementations() {
  static const std::map<std::string_view, Impl> table = {
      {"proxy_log", &AbiHost::proxy_log},
      {"proxy_get_log_level", &AbiHost::proxy_get_log_level},
      {"proxy_get_current_time_nanoseconds", &AbiHost::proxy_get_current_time_nanoseconds},
      {"proxy_set_tick_period_milliseconds", &AbiHost::proxy_set_tick_period_milliseconds},
      {"proxy_set_effective_context", &AbiHost::proxy_set_effective_context},
      {"proxy_done", &AbiHost::proxy_done},
      {"proxy_get_configuration", &AbiHost::proxy_get_configuration},
      {"proxy_get_buffer_bytes", &AbiHost::proxy_get_buffer_bytes},
      {"proxy_get_buffer_status", &AbiHost::proxy_get_buffer_status},
      {"proxy_set_buffer_bytes", &AbiHost::proxy_set_buffer_bytes},
      {"proxy_get_header_map_pairs", &AbiHost::proxy_get_header_map_pairs},
      {"proxy_set_header_map_pairs", &AbiHost::proxy_set_header_map_pairs},
      {"proxy_get_header_map_value", &AbiHost::proxy_get_header_map_value},
      {"proxy_add_header_map_value", &AbiHost::proxy_add_header_map_value},
      {"proxy_replace_header_map_value", &AbiHost::proxy_replace_header_map_value},
      {"proxy_remove_header_map_value", &AbiHost::proxy_remove_header_map_value},
      {"proxy_get_header_map_size", &AbiHost::proxy_get_header_map_size},
      {"proxy_continue_request", &AbiHost::proxy_continue_request},
      {"proxy_continue_response", &AbiHost::proxy_continue_response},
      {"proxy_clear_route_cache", &AbiHost::proxy_clear_route_cache},
      {"proxy_continue_stream", &AbiHost::proxy_continue_stream},
      {"proxy_close_stream", &AbiHost::proxy_close_stream},
      {"proxy_send_local_response", &AbiHost::proxy_send_local_response},
      {"proxy_get_status", &AbiHost::proxy_get_status},
      {"proxy_http_call", &AbiHost::proxy_http_call},
      {"proxy_grpc_call", &AbiHost::proxy_grpc_call},
      {"proxy_grpc_stream", &AbiHost::proxy_grpc_stream},
      {"proxy_grpc_send", &AbiHost::proxy_grpc_send},
      {"proxy_grpc_cancel", &AbiHost::proxy_grpc_cancel},
      {"proxy_grpc_close", &AbiHost::proxy_grpc_close},
      {"proxy_set_shared_data", &AbiHost::proxy_set_shared_data},
      {"proxy_get_shared_data", &AbiHost::proxy_get_shared_data},
      {"proxy_register_shared_queue", &AbiHost::proxy_register_shared_queue},
      {"proxy_resolve_shared_queue", &AbiHost::proxy_resolve_shared_queue},
      {"proxy_enqueue_shared_queue", &AbiHost::proxy_enqueue_shared_queue},
      {"proxy_dequeue_shared_queue", &AbiHost::proxy_dequeue_shared_queue},
      {"proxy_define_metric", &AbiHost::proxy_define_metric},
      {"proxy_increment_metric", &AbiHost::proxy_increment_metric},
      {"proxy_record_metric", &AbiHost::proxy_record_metric},
      {"proxy_get_metric", &AbiHost::proxy_get_metric},
      {"proxy_get_property", &AbiHost::proxy_get_property},
      {"proxy_set_property", &AbiHost::proxy_set_property},
      {"proxy_call_foreign_function", &AbiHost::proxy_call_foreign_function},
      {"pthread_equal", &AbiHost::pthread_equal},
      {"emscripten_notify_memory_growth", &AbiHost::emscripten_notify_memory_growth},
      {"fd_write", &AbiHost::wasi_fd_write},
      {"fd_pwrite", &AbiHost::wasi_fd_pwrite},
      {"fd_read", &AbiHost::wasi_fd_read},
      {"fd_pread", &AbiHost::wasi_nosys},
      {"fd_seek", &AbiHost::wasi_fd_seek},
      {"fd_tell", &AbiHost::wasi_fd_tell},
      {"fd_close", &AbiHost::wasi_fd_close},
      {"fd_fdstat_get", &AbiHost::wasi_fd_fdstat_get},
      {"fd_fdstat_set_flags", &AbiHost::wasi_nosys},
      {"fd_fdstat_set_rights", &AbiHost::wasi_stdio_only},
      {"fd_filestat_get", &AbiHost::wasi_badf},
      {"fd_filestat_set_size", &AbiHost::wasi_stdio_only},
      {"fd_filestat_set_times", &AbiHost::wasi_stdio_only},
      {"fd_advise", &AbiHost::wasi_success},
      {"fd_allocate", &AbiHost::wasi_stdio_only},
      {"fd_datasync", &AbiHost::wasi_stdio_only},
      {"fd_sync", &AbiHost::wasi_stdio_only},
      {"fd_readdir", &AbiHost::wasi_fd_readdir},
      {"fd_renumber", &AbiHost::wasi_fd_renumber},
      {"fd_prestat_get", &AbiHost::wasi_badf},
      {"fd_prestat_dir_name", &AbiHost::wasi_nosys},
      {"path_open", &AbiHost::wasi_path_open},
      {"path_filestat_get", &AbiHost::wasi_notsup},
      {"path_filestat_set_times", &AbiHost::wasi_notsup},
      {"path_create_directory", &AbiHost::wasi_notsup},
      {"path_remove_directory", &AbiHost::wasi_notsup},
      {"path_unlink_file", &AbiHost::wasi_notsup},
      {"path_rename", &AbiHost::wasi_notsup},
      {"path_readlink", &AbiHost::wasi_path_readlink},
      {"path_link", &AbiHost::wasi_notsup},
      {"path_symlink", &AbiHost::wasi_notsup},
      {"sock_accept", &AbiHost::wasi_sock_accept},
      {"sock_recv", &AbiHost::wasi_sock_recv},
      {"sock_send", &AbiHost::wasi_sock_send},
      {"sock_shutdown", &AbiHost::wasi_notsup},
      {"environ_sizes_get", &AbiHost::wasi_environ_sizes_get},
      {"environ_get", &AbiHost::wasi_environ_get},
      {"args_sizes_get", &AbiHost::wasi_args_sizes_get},
      {"args_get", &AbiHost::wasi_args_get},
      {"clock_time_get", &AbiHost::wasi_clock_time_get},
      {"clock_res_get", &AbiHost::wasi_clock_res_get},
      {"random_get", &AbiHost::wasi_random_get},
      {"sched_yield", &AbiHost::wasi_success},
      {"poll_oneoff", &AbiHost::wasi_poll_oneoff},
      {"proc_exit", &AbiHost::wasi_proc_exit},
  };
  return table;
}

uint8_t* Guest::translate(uint64_t address, uint64_t size) {
  return bounds_checked(memory(), address, size);
}

AbiHost::AbiHost(HostEnv& env, PluginIdentity identity, abi::AbiVersion version, Guest& guest,
                 RootCallbacks& root_callbacks)
    : env_(env),
      identity_(std::move(identity)),
      version_(version),
      guest_(guest),
      root_callbacks_(root_callbacks) {
  // Context 0 is the VM context: start-up functions run on it.
  contexts_[0] = ContextState{ContextKind::Vm, 0, nullptr, nullptr, 0, 0};
}

AbiHost::~AbiHost() {
  shutdown();
}

void AbiHost::shutdown() {
  for (auto& [id, context] : contexts_) {
    if (context.tick_timer) env_.dispatcher().cancel(context.tick_timer);
    context.tick_timer = 0;
  }
  env_.queues().forget_callbacks(this);
  // Pending callouts and timers check this flag before touching the host.
  *alive_ = false;
  alive_ = std::make_shared<bool>(true);
}

std::optional<HostFunction> AbiHost::resolve(const ImportDesc& import) {
  const abi::HostFunctionSpec* spec = abi::find_host_function(import.name);
  if (!spec || !abi::is_abi_import(import.module, import.name)) return std::nullopt;
  if (!abi::has_version(spec->versions, version_)) return std::nullopt;
  if (import.kind != ExternKind::Function || !(import.type == func_type_of(spec->signature)))
    return std::nullopt;
  auto impl_it = implementations().find(spec->name);
  if (impl_it == implementations().end()) return std::nullopt;
  Impl impl = impl_it->second;
  bool has_result = !spec->signature.results.empty();
  return HostFunction(
      [this, spec, impl, has_result](std::span<const Value> args,
                                     std::span<Value> results) -> std::optional<HostTrapRequest> {
        HostCallState call;
        call.args = args;
        call.tracing = env_.tracing();
        uint32_t result = dispatch(*spec, impl, call);
        if (call.trap) return HostTrapRequest{std::move(*call.trap)};
        if (has_result && !results.empty()) results[0] = Value::i32(result);
        return std::nullopt;
      });
}

Result<uint32_t> AbiHost::call(std::string_view name, std::span<const Value> args) {
  const abi::HostFunctionSpec* spec = abi::find_host_function(name);
  if (!spec) return make_error("unknown host function '" + std::string(name) + "'");
  if (args.size() != spec->signature.params.size())
    return make_error(std::string(name) + " takes " +
                      std::to_string(spec->signature.params.size()) + " arguments");
  auto impl_it = implementations().find(spec->name);
  HostCallState call;
  call.args = args;
  call.tracing = env_.tracing();
  uint32_t result = dispatch(*spec, impl_it->second, call);
  if (call.trap) return make_error("trap: " + *call.trap);
  return result;
}

uint32_t AbiHost::dispatch(const abi::HostFunctionSpec& spec, Impl impl, HostCallState& call) {
  if (phase_ == CallPhase::StartUp && !allowed_during_startup(spec.name)) {
    call.trap = "restricted_callback: " + std::string(spec.name) +
                " may not be called during start-up (_initialize/main/_start)";
  } else if (phase_ == CallPhase::Allocator && !allowed_in_allocator(spec.name)) {
    call.trap =
        "restricted_callback: " + std::string(spec.name) + " may not be called from the allocator";
  }
  uint64_t start = call.tracing ? env_.elapsed_ns() : 0;
  uint32_t result = 0;
  bool injected = false;
  if (!call.trap) {
    auto injection = injections_.find(spec.name);
    if (injection != injections_.end()) {
      result = S(injection->second);
      injected = true;
    } else {
      ++depth_;
      result = (this->*impl)(call);
      --depth_;
    }
  }
  if (call.tracing) {
    TraceEvent event;
    event.kind = EventKind::HostCall;
    event.name = std::string(spec.name);
    event.start_ns = start;
    event.duration_ns = env_.elapsed_ns() - start;
    event.context_id = effective_context_;
    event.depth = depth_ + 1;
    event.injected = injected;
    // Raw arguments by parameter name, then the decoded notes override or extend them.
    size_t index = 0;
    std::string_view names = spec.param_names;
    while (!names.empty() && index < call.args.size()) {
      size_t comma = names.find(',');
      std::string_view param = names.substr(0, comma);
      event.args.push_back({std::string(param), std::to_string(call.args[index].as_u64())});
      names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
      ++index;
    }
    for (auto& note : call.notes) {
      auto existing = std::find_if(event.args.begin(), event.args.end(),
                                   [&](const TraceField& f) { return f.name == note.name; });
      if (existing != event.args.end())
        existing->value = std::move(note.value);
      else
        event.args.push_back(std::move(note));
    }
    if (call.trap) {
      event.result = "trap";
    } else if (spec.signature.results.empty()) {
      event.result = "";
    } else if (spec.module == abi::ImportModule::Wasi) {
      event.result = "errno " + std::to_string(result);
    } else if (spec.group == abi::HostFunctionGroup::Emscripten) {
      event.result = std::to_string(result);
    } else {
      event.result = abi::name(static_cast<Status>(result));
    }
    record(std::move(event));
    for (auto& copy : call.copies) record(std::move(copy));
    PausePoint point;
    point.where = PausePoint::Where::HostCallDone;
    point.memory = guest_.memory();
    point.stream = stream_of(effective_context_);
    point.context_id = effective_context_;
    point.plugin = identity_.name;
    point.vm = guest_.vm();
    env_.trace()->pause_point(point);
  }
  return result;
}

void AbiHost::record(TraceEvent event) {
  TraceSink* sink = env_.trace();
  if (!sink) return;
  if (event.plugin.empty()) event.plugin = identity_.name;
  if (event.stream_id == 0) event.stream_id = stream_id_of(event.context_id);
  if (event.root_context_id == 0) event.root_context_id = root_of(event.context_id);
  sink->record(std::move(event));
}

// --- Contexts ----------------------------------------------------------------------------------

uint32_t AbiHost::create_root_context() {
  uint32_t id = next_context_id_++;
  contexts_[id] = ContextState{ContextKind::Root, id, nullptr, nullptr, 0, 0};
  return id;
}

uint32_t AbiHost::create_stream_context(uint32_t root_id, HttpStreamState& stream,
                                        StreamControl& control) {
  uint32_t id = next_context_id_++;
  contexts_[id] = ContextState{ContextKind::Stream, root_id, &stream, &control, 0, 0};
  return id;
}

void AbiHost::delete_context(uint32_t id) {
  auto it = contexts_.find(id);
  if (it == contexts_.end() || id == 0) return;
  if (it->second.tick_timer) env_.dispatcher().cancel(it->second.tick_timer);
  contexts_.erase(it);
}

uint32_t AbiHost::root_of(uint32_t id) const {
  auto it = contexts_.find(id);
  return it == contexts_.end() ? 0 : it->second.root_id;
}

const HttpStreamState* AbiHost::stream_of(uint32_t id) const {
  auto it = contexts_.find(id);
  return it == contexts_.end() ? nullptr : it->second.stream;
}

uint64_t AbiHost::stream_id_of(uint32_t id) const {
  auto it = contexts_.find(id);
  return it == contexts_.end() || !it->second.stream ? 0 : it->second.stream->id;
}

AbiHost::CallbackScope::CallbackScope(AbiHost& host, uint32_t context_id, CallPhase phase)
    : host_(host),
      saved_current_(host.current_context_),
      saved_effective_(host.effective_context_),
      saved_phase_(host.phase_) {
  host.current_context_ = context_id;
  host.effective_context_ = context_id;
  host.phase_ = phase;
}

AbiHost::CallbackScope::~CallbackScope() {
  host_.current_context_ = saved_current_;
  host_.effective_context_ = saved_effective_;
  host_.phase_ = saved_phase_;
}

AbiHost::ContextState* AbiHost::find_context(uint32_t id) {
  auto it = contexts_.find(id);
  return it == contexts_.end() ? nullptr : &it->second;
}

AbiHost::ContextState* AbiHost::effective() {
  return find_context(effective_context_);
}

// --- Memory helpers ----------------------------------------------------------------------------

std::optional<std::string_view> AbiHost::read(uint64_t ptr, uint64_t size) {
  const uint8_t* bytes = guest_.translate(ptr, size);
  if (!bytes) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(bytes), size);
}

bool AbiHost::write_bytes(uint64_t ptr, std::string_view bytes) {
  uint8_t* target = guest_.translate(ptr, bytes.size());
  if (!target) return false;
  if (!bytes.empty()) std::memcpy(target, bytes.data(), bytes.size());
  return true;
}

bool AbiHost::write_u32(uint64_t ptr, uint32_t value) {
  char bytes[4];
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return write_bytes(ptr, std::string_view(bytes, 4));
}

bool AbiHost::write_u64(uint64_t ptr, uint64_t value) {
  return write_bytes(ptr, encode_u64(value));
}

bool AbiHost::write_word(uint64_t ptr, uint64_t value) {
  if (guest_.word_size() == 8) return write_u64(ptr, value);
  return write_u32(ptr, static_cast<uint32_t>(value));
}

void AbiHost::note_copy(HostCallState& call, CopyDirection direction, uint64_t address,
                        std::string_view data, std::string label) {
  if (!call.tracing) return;
  TraceEvent event;
  event.kind = EventKind::Copy;
  event.name = direction == CopyDirection::HostToVm ? "host_to_vm" : "vm_to_host";
  event.direction = direction;
  // Trace addresses are offsets into wasm memory; a native filter's host addresses show as 0.
  event.address = address <= UINT32_MAX ? static_cast<uint32_t>(address) : 0;
  event.length = static_cast<uint32_t>(data.size());
  event.label = std::move(label);
  event.preview = std::string(data.substr(0, 64));
  event.context_id = effective_context_;
  event.depth = depth_ + 1;
  event.start_ns = env_.elapsed_ns();
  call.copies.push_back(std::move(event));
}

Status AbiHost::return_bytes(HostCallState& call, std::string_view data, uint64_t ret_ptr,
                             uint64_t ret_size, const std::string& label) {
  // The two out-parameters are a char** and a size_t*: guest words.
  if (data.empty()) {
    // As cpp-host: no allocation for empty results.
    if (!write_word(ret_ptr, 0) || !write_word(ret_size, 0)) return Status::InvalidMemoryAccess;
    return Status::Ok;
  }
  std::optional<uint64_t> address = guest_.allocate(static_cast<uint32_t>(data.size()));
  if (!address) {
    call.note("allocation", "failed for " + std::to_string(data.size()) + " bytes");
    return Status::InvalidMemoryAccess;
  }
  if (!write_bytes(*address, data)) return Status::InvalidMemoryAccess;
  if (!write_word(ret_ptr, *address) || !write_word(ret_size, data.size()))
    return Status::InvalidMemoryAccess;
  note_copy(call, CopyDirection::HostToVm, *address, data, label);
  return Status::Ok;
}

void AbiHost::emit_log(abi::LogLevel level, std::string message) {
  LogRecord record_entry{level, message, identity_.name, effective_context_,
                         stream_id_of(effective_context_)};
  if (env_.tracing()) {
    TraceEvent event;
    event.kind = EventKind::Log;
    event.name = std::string(abi::log_level_label(level));
    event.args.push_back({"level", std::string(abi::log_level_label(level))});
    event.args.push_back({"message", message});
    event.context_id = effective_context_;
    event.depth = depth_;
    event.start_ns = env_.elapsed_ns();
    record(std::move(event));
  }
  if (log_handler_) log_handler_(record_entry);
}

// --- Logging, time, contexts -------------------------------------------------------------------

uint32_t AbiHost::proxy_log(HostCallState& call) {
  uint32_t level = call.a(0);
  if (level > static_cast<uint32_t>(abi::LogLevel::Critical)) return S(Status::BadArgument);
  auto message = read(call.p(1), call.p(2));
  if (!message) return S(Status::InvalidMemoryAccess);
  std::string text(*message);
  call.note("level", std::string(abi::log_level_label(static_cast<abi::LogLevel>(level))));
  call.note("message", printable(text));
  note_copy(call, CopyDirection::VmToHost, call.p(1), text, "log message");
  emit_log(static_cast<abi::LogLevel>(level), std::move(text));
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_get_log_level(HostCallState& call) {
  auto level = static_cast<uint32_t>(env_.options().log_level);
  call.note("level", std::string(abi::log_level_label(env_.options().log_level)));
  return write_u32(call.p(0), level) ? S(Status::Ok) : S(Status::InvalidMemoryAccess);
}

uint32_t AbiHost::proxy_get_current_time_nanoseconds(HostCallState& call) {
  uint64_t now = env_.dispatcher().realtime_ns();
  call.note("time_ns", std::to_string(now));
  return write_u64(call.p(0), now) ? S(Status::Ok) : S(Status::InvalidMemoryAccess);
}

uint32_t AbiHost::proxy_set_tick_period_milliseconds(HostCallState& call) {
  uint32_t root_id = root_of(effective_context_);
  ContextState* root = find_context(root_id);
  if (!root || root->kind != ContextKind::Root) return S(Status::BadArgument);
  if (root->tick_timer) env_.dispatcher().cancel(root->tick_timer);
  root->tick_timer = 0;
  root->tick_period_ms = call.a(0);
  if (root->tick_period_ms == 0) return S(Status::Ok);
  // Each tick re-arms the timer with the period current at that time.
  std::weak_ptr<bool> alive = alive_;
  auto arm = std::make_shared<std::function<void()>>();
  *arm = [this, alive, root_id, weak_arm = std::weak_ptr<std::function<void()>>(arm)] {
    if (alive.expired() || !*alive.lock()) return;
    ContextState* context = find_context(root_id);
    if (!context || context->tick_period_ms == 0) return;
    // on_tick may have called proxy_set_tick_period_milliseconds, which armed its own timer.
    if (context->tick_timer != 0) return;
    auto self = weak_arm.lock();
    context->tick_timer = env_.dispatcher().schedule(
        std::chrono::milliseconds(context->tick_period_ms), [this, alive, root_id, self] {
          if (alive.expired() || !*alive.lock()) return;
          ContextState* ctx = find_context(root_id);
          if (!ctx) return;
          ctx->tick_timer = 0;
          root_callbacks_.on_tick(root_id);
          if (alive.expired() || !*alive.lock()) return;
          if (self) (*self)();
        });
  };
  (*arm)();
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_set_effective_context(HostCallState& call) {
  uint32_t id = call.a(0);
  if (!has_context(id)) return S(Status::BadArgument);
  effective_context_ = id;
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_done(HostCallState&) {
  uint32_t root_id = root_of(effective_context_);
  auto pending = std::find(pending_done_roots_.begin(), pending_done_roots_.end(), root_id);
  if (pending == pending_done_roots_.end()) return S(Status::NotFound);
  pending_done_roots_.erase(pending);
  std::weak_ptr<bool> alive = alive_;
  env_.dispatcher().post([this, alive, root_id] {
    if (alive.expired() || !*alive.lock()) return;
    root_callbacks_.on_deferred_delete(root_id);
  });
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_get_configuration(HostCallState& call) {
  const std::string& config = in_vm_start_ ? identity_.vm_configuration : identity_.configuration;
  return S(return_bytes(call, config, call.p(0), call.p(1),
                        in_vm_start_ ? "VM configuration" : "plugin configuration"));
}

// --- Buffers -----------------------------------------------------------------------------------

std::string* AbiHost::buffer_for(abi::BufferType type, bool& read_only, bool& available) {
  read_only = true;
  available = false;
  ContextState* context = effective();
  HttpStreamState* stream = context ? context->stream : nullptr;
  switch (type) {
    case abi::BufferType::HttpRequestBody:
      read_only = false;
      available = stream && stream->request_body;
      return available ? stream->request_body : nullptr;
    case abi::BufferType::HttpResponseBody:
      read_only = false;
      available = stream && stream->response_body;
      return available ? stream->response_body : nullptr;
    default:
      return nullptr;
  }
}

namespace {
// Read-only buffers are served from const sources; this picks the right one.
const std::string* readonly_buffer(abi::BufferType type, const CalloutResponse* callout,
                                   const std::string* grpc_message, const std::string* foreign_args,
                                   const PluginIdentity& identity) {
  switch (type) {
    case abi::BufferType::HttpCallResponseBody:
      return callout ? &callout->body : nullptr;
    case abi::BufferType::GrpcReceiveBuffer:
      return grpc_message;
    case abi::BufferType::VmConfiguration:
      return &identity.vm_configuration;
    case abi::BufferType::PluginConfiguration:
      return &identity.configuration;
    case abi::BufferType::CallData:
      return foreign_args;
    default:
      return nullptr;
  }
}
}  // namespace

uint32_t AbiHost::proxy_get_buffer_bytes(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxBufferType) return S(Status::BadArgument);
  auto buffer_type = static_cast<abi::BufferType>(type);
  call.note("buffer_type", abi::name(buffer_type));
  bool read_only = false, available = false;
  const std::string* buffer = buffer_for(buffer_type, read_only, available);
  if (!buffer)
    buffer = readonly_buffer(buffer_type, callout_reply_, grpc_message_, foreign_args_, identity_);
  if (!buffer) return S(Status::NotFound);
  uint64_t start = call.a(1);
  uint64_t max_size = call.a(2);
  // As cpp-host: past the end means nothing, an over-long size means "up to the end".
  std::string_view data;
  if (start < buffer->size())
    data = std::string_view(*buffer).substr(start,
                                            std::min<uint64_t>(max_size, buffer->size() - start));
  std::string copy(data);
  call.note("data", printable(copy));
  return S(return_bytes(call, copy, call.p(3), call.p(4),
                        abi::name(buffer_type) + " bytes " + std::to_string(start) + ".." +
                            std::to_string(start + copy.size())));
}

uint32_t AbiHost::proxy_get_buffer_status(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxBufferType) return S(Status::BadArgument);
  auto buffer_type = static_cast<abi::BufferType>(type);
  call.note("buffer_type", abi::name(buffer_type));
  bool read_only = false, available = false;
  const std::string* buffer = buffer_for(buffer_type, read_only, available);
  if (!buffer)
    buffer = readonly_buffer(buffer_type, callout_reply_, grpc_message_, foreign_args_, identity_);
  if (!buffer) return S(Status::NotFound);
  call.note("size", std::to_string(buffer->size()));
  // size is a size_t*, flags a uint32_t*.
  if (!write_word(call.p(1), buffer->size()) || !write_u32(call.p(2), 0))
    return S(Status::InvalidMemoryAccess);
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_set_buffer_bytes(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxBufferType) return S(Status::BadArgument);
  auto buffer_type = static_cast<abi::BufferType>(type);
  call.note("buffer_type", abi::name(buffer_type));
  bool read_only = false, available = false;
  std::string* buffer = buffer_for(buffer_type, read_only, available);
  // Buffers 4-8 are read-only; 0-3 are writable but may not exist in this callback (TCP data
  // never does on an HTTP stream).
  if (type > static_cast<uint32_t>(abi::BufferType::UpstreamData)) return S(Status::BadArgument);
  if (!buffer) return S(Status::NotFound);
  auto data = read(call.p(3), call.p(4));
  if (!data) return S(Status::InvalidMemoryAccess);
  std::string bytes(*data);
  call.note("data", printable(bytes));
  note_copy(call, CopyDirection::VmToHost, call.p(3), bytes,
            "new " + abi::name(buffer_type) + " bytes");
  uint32_t start = call.a(1);
  uint32_t size = call.a(2);
  // What Envoy supports: prepend (start 0, optionally dropping `size` bytes first) and append.
  if (start == 0) {
    buffer->erase(0, std::min<size_t>(size, buffer->size()));
    buffer->insert(0, bytes);
  } else if (start >= buffer->size()) {
    buffer->append(bytes);
  } else {
    call.note("error", "mid-buffer edits are not supported (start must be 0 or >= size)");
    return S(Status::BadArgument);
  }
  return S(Status::Ok);
}

// --- Header maps -------------------------------------------------------------------------------

HeaderMap* AbiHost::map_for(abi::MapType type, bool& read_only, abi::HeaderPairs*& external) {
  read_only = false;
  external = nullptr;
  ContextState* context = effective();
  HttpStreamState* stream = context ? context->stream : nullptr;
  switch (type) {
    case abi::MapType::HttpRequestHeaders:
      return stream ? &stream->request_headers : nullptr;
    case abi::MapType::HttpRequestTrailers:
      return stream ? &stream->request_trailers : nullptr;
    case abi::MapType::HttpResponseHeaders:
      return stream ? &stream->response_headers : nullptr;
    case abi::MapType::HttpResponseTrailers:
      return stream ? &stream->response_trailers : nullptr;
    case abi::MapType::GrpcReceiveInitialMetadata:
      read_only = true;
      external = const_cast<abi::HeaderPairs*>(grpc_initial_);
      return nullptr;
    case abi::MapType::GrpcReceiveTrailingMetadata:
      read_only = true;
      external = const_cast<abi::HeaderPairs*>(grpc_trailing_);
      return nullptr;
    case abi::MapType::HttpCallResponseHeaders:
      read_only = true;
      external = callout_reply_ ? const_cast<abi::HeaderPairs*>(&callout_reply_->headers) : nullptr;
      return nullptr;
    case abi::MapType::HttpCallResponseTrailers:
      read_only = true;
      external =
          callout_reply_ ? const_cast<abi::HeaderPairs*>(&callout_reply_->trailers) : nullptr;
      return nullptr;
  }
  return nullptr;
}

namespace {
std::optional<std::string_view> first_value(const abi::HeaderPairs& pairs, std::string_view key) {
  for (const auto& [name, value] : pairs)
    if (iequals(name, key)) return std::string_view(value);
  return std::nullopt;
}
}  // namespace

uint32_t AbiHost::proxy_get_header_map_pairs(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxMapType) return S(Status::BadArgument);
  auto map_type = static_cast<abi::MapType>(type);
  call.note("map_type", abi::name(map_type));
  bool read_only = false;
  abi::HeaderPairs* external = nullptr;
  HeaderMap* map = map_for(map_type, read_only, external);
  static const abi::HeaderPairs kEmpty;
  const abi::HeaderPairs& pairs = map ? map->pairs() : external ? *external : kEmpty;
  if (pairs.empty()) {
    // As cpp-host: an empty map is size 0 (some SDKs crash on a 1-byte encoding).
    return S(return_bytes(call, "", call.p(1), call.p(2), ""));
  }
  std::vector<uint8_t> encoded = abi::encode_pairs(pairs);
  std::string bytes(encoded.begin(), encoded.end());
  call.note("pairs", std::to_string(pairs.size()));
  return S(return_bytes(
      call, bytes, call.p(1), call.p(2),
      "serialized " + abi::name(map_type) + ", " + std::to_string(pairs.size()) + " pairs"));
}

uint32_t AbiHost::proxy_set_header_map_pairs(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxMapType) return S(Status::BadArgument);
  auto map_type = static_cast<abi::MapType>(type);
  call.note("map_type", abi::name(map_type));
  bool read_only = false;
  abi::HeaderPairs* external = nullptr;
  HeaderMap* map = map_for(map_type, read_only, external);
  if (!map || read_only) return S(Status::BadArgument);
  auto data = read(call.p(1), call.p(2));
  if (!data) return S(Status::InvalidMemoryAccess);
  std::string bytes(*data);
  auto pairs = abi::decode_pairs(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  if (!pairs) {
    call.note("error", pairs.error().message);
    return S(Status::BadArgument);
  }
  note_copy(call, CopyDirection::VmToHost, call.p(1), bytes,
            "serialized " + abi::name(map_type) + ", " + std::to_string(pairs->size()) + " pairs");
  call.note("pairs", std::to_string(pairs->size()));
  map->set_all(*pairs);
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_get_header_map_value(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxMapType) return S(Status::BadArgument);
  auto map_type = static_cast<abi::MapType>(type);
  call.note("map_type", abi::name(map_type));
  auto key_view = read(call.p(1), call.p(2));
  if (!key_view) return S(Status::InvalidMemoryAccess);
  std::string key(*key_view);
  call.note("key", printable(key));
  note_copy(call, CopyDirection::VmToHost, call.p(1), key, "key " + printable(key, 64));
  bool read_only = false;
  abi::HeaderPairs* external = nullptr;
  HeaderMap* map = map_for(map_type, read_only, external);
  if (!map && !external) return S(Status::BadArgument);
  std::optional<std::string_view> value = map ? map->get(key) : first_value(*external, key);
  if (!value) {
    // 0.1.0 answered a missing header with an empty value.
    if (version_ == abi::AbiVersion::v0_1_0)
      return S(return_bytes(call, "", call.p(3), call.p(4), ""));
    return S(Status::NotFound);
  }
  std::string copy(*value);
  call.note("value", printable(copy));
  return S(
      return_bytes(call, copy, call.p(3), call.p(4), "value returned for " + printable(key, 64)));
}

uint32_t AbiHost::proxy_add_header_map_value(HostCallState& call) {
  return write_header_map_value(call, &HeaderMap::add);
}

uint32_t AbiHost::proxy_replace_header_map_value(HostCallState& call) {
  return write_header_map_value(call, &HeaderMap::replace);
}

uint32_t AbiHost::write_header_map_value(HostCallState& call, HeaderMapWrite write) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxMapType) return S(Status::BadArgument);
  auto map_type = static_cast<abi::MapType>(type);
  call.note("map_type", abi::name(map_type));
  auto key = read(call.p(1), call.p(2));
  auto value = read(call.p(3), call.p(4));
  if (!key || !value) return S(Status::InvalidMemoryAccess);
  call.note("key", printable(*key));
  call.note("value", printable(*value));
  note_copy(call, CopyDirection::VmToHost, call.p(1), *key, "key " + printable(*key, 64));
  note_copy(call, CopyDirection::VmToHost, call.p(3), *value, "value for " + printable(*key, 64));
  bool read_only = false;
  abi::HeaderPairs* external = nullptr;
  HeaderMap* map = map_for(map_type, read_only, external);
  if (!map || read_only) return S(Status::BadArgument);
  (map->*write)(*key, *value);
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_remove_header_map_value(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxMapType) return S(Status::BadArgument);
  auto map_type = static_cast<abi::MapType>(type);
  call.note("map_type", abi::name(map_type));
  auto key = read(call.p(1), call.p(2));
  if (!key) return S(Status::InvalidMemoryAccess);
  call.note("key", printable(*key));
  note_copy(call, CopyDirection::VmToHost, call.p(1), *key, "key " + printable(*key, 64));
  bool read_only = false;
  abi::HeaderPairs* external = nullptr;
  HeaderMap* map = map_for(map_type, read_only, external);
  if (!map || read_only) return S(Status::BadArgument);
  map->remove(*key);
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_get_header_map_size(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxMapType) return S(Status::BadArgument);
  auto map_type = static_cast<abi::MapType>(type);
  call.note("map_type", abi::name(map_type));
  bool read_only = false;
  abi::HeaderPairs* external = nullptr;
  HeaderMap* map = map_for(map_type, read_only, external);
  // Envoy: callout and gRPC maps have no size.
  if (!map) return S(Status::BadArgument);
  call.note("size", std::to_string(map->byte_size()));
  return write_word(call.p(1), map->byte_size()) ? S(Status::Ok) : S(Status::InvalidMemoryAccess);
}

// --- Stream control ----------------------------------------------------------------------------

uint32_t AbiHost::proxy_continue_stream(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxStreamType) return S(Status::BadArgument);
  auto stream_type = static_cast<abi::StreamType>(type);
  call.note("stream_type", abi::name(stream_type));
  ContextState* context = effective();
  if (!context || !context->control) return S(Status::BadArgument);
  return S(context->control->continue_stream(stream_type));
}

uint32_t AbiHost::proxy_close_stream(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxStreamType) return S(Status::BadArgument);
  auto stream_type = static_cast<abi::StreamType>(type);
  call.note("stream_type", abi::name(stream_type));
  ContextState* context = effective();
  if (!context || !context->control) return S(Status::BadArgument);
  return S(context->control->close_stream(stream_type));
}

uint32_t AbiHost::proxy_continue_request(HostCallState& call) {
  ContextState* context = effective();
  if (!context || !context->control) return S(Status::BadArgument);
  call.note("stream_type", "HTTP_REQUEST");
  return S(context->control->continue_stream(abi::StreamType::HttpRequest));
}

uint32_t AbiHost::proxy_continue_response(HostCallState& call) {
  ContextState* context = effective();
  if (!context || !context->control) return S(Status::BadArgument);
  call.note("stream_type", "HTTP_RESPONSE");
  return S(context->control->continue_stream(abi::StreamType::HttpResponse));
}

uint32_t AbiHost::proxy_clear_route_cache(HostCallState&) {
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_send_local_response(HostCallState& call) {
  auto details = read(call.p(1), call.p(2));
  auto body = read(call.p(3), call.p(4));
  auto headers = read(call.p(5), call.p(6));
  if (!details || !body || !headers) return S(Status::InvalidMemoryAccess);
  LocalReply reply;
  reply.status = call.a(0);
  reply.details = std::string(*details);
  // Envoy replaces whitespace in details, which end up in access logs.
  for (char& c : reply.details)
    if (c == ' ' || c == '\t' || c == '\n') c = '_';
  reply.body = std::string(*body);
  std::string header_bytes(*headers);
  auto pairs = abi::decode_pairs(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(header_bytes.data()), header_bytes.size()));
  if (!pairs) {
    call.note("error", "headers: " + pairs.error().message);
    return S(Status::BadArgument);
  }
  reply.headers = std::move(*pairs);
  uint32_t grpc = call.a(7);
  if (grpc <= 16) reply.grpc_status = grpc;
  call.note("status_code", std::to_string(reply.status));
  call.note("details", printable(reply.details));
  call.note("body", printable(reply.body));
  call.note("headers", std::to_string(reply.headers.size()) + " pairs");
  call.note("grpc_status", grpc <= 16 ? std::to_string(grpc) : "none");
  note_copy(call, CopyDirection::VmToHost, call.p(3), reply.body, "local response body");
  if (!header_bytes.empty())
    note_copy(call, CopyDirection::VmToHost, call.p(5), header_bytes,
              "local response headers, " + std::to_string(reply.headers.size()) + " pairs");
  ContextState* context = effective();
  if (!context || !context->control) return S(Status::BadArgument);
  local_reply_sent_ = true;
  return S(context->control->send_local_response(std::move(reply)));
}

uint32_t AbiHost::proxy_get_status(HostCallState& call) {
  call.note("code", std::to_string(status_code_));
  call.note("message", status_message_);
  if (!write_u32(call.p(0), status_code_)) return S(Status::InvalidMemoryAccess);
  return S(return_bytes(call, status_message_, call.p(1), call.p(2), "status message"));
}

// --- Callouts ----------------------------------------------------------------------------------

uint32_t AbiHost::proxy_http_call(HostCallState& call) {
  auto cluster_view = read(call.p(0), call.p(1));
  auto headers_view = read(call.p(2), call.p(3));
  auto body_view = read(call.p(4), call.p(5));
  auto trailers_view = read(call.p(6), call.p(7));
  if (!cluster_view || !headers_view || !body_view || !trailers_view)
    return S(Status::InvalidMemoryAccess);
  std::string cluster(*cluster_view);
  std::string body(*body_view);
  call.note("upstream", printable(cluster));
  auto decode = [](std::string_view bytes) {
    return abi::decode_pairs(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  };
  auto headers = decode(*headers_view);
  auto trailers = decode(*trailers_view);
  if (!headers || !trailers) {
    call.note("error", !headers ? "headers: " + headers.error().message
                                : "trailers: " + trailers.error().message);
    return S(Status::BadArgument);
  }
  std::string summary;
  for (const auto& [k, v] : *headers) summary += (summary.empty() ? "" : ", ") + k + ": " + v;
  call.note("headers", printable(summary));
  call.note("body", printable(body));
  note_copy(call, CopyDirection::VmToHost, call.p(2), *headers_view,
            "callout headers, " + std::to_string(headers->size()) + " pairs");
  int32_t timeout = static_cast<int32_t>(call.a(8));
  if (!env_.callouts().has_http_cluster(cluster)) {
    call.note("error", "unknown cluster '" + cluster + "'");
    return S(Status::BadArgument);
  }
  for (std::string_view required : {":method", ":path", ":authority"}) {
    if (!first_value(*headers, required)) {
      call.note("error", "missing " + std::string(required));
      return S(Status::BadArgument);
    }
  }
  if (timeout < 0) return S(Status::BadArgument);
  // Probe the result slot before starting anything (as cpp-host).
  if (!write_u32(call.p(9), 0)) return S(Status::InvalidMemoryAccess);
  next_http_token_ += 4;
  uint32_t token = next_http_token_;
  write_u32(call.p(9), token);
  call.note("token", std::to_string(token));
  uint32_t root_id = root_of(effective_context_);
  std::weak_ptr<bool> alive = alive_;
  env_.callouts().start_http(
      cluster, *headers, body, *trailers, static_cast<uint32_t>(timeout),
      [this, alive, root_id, token](CalloutResponse response) {
        if (alive.expired() || !*alive.lock() || !has_context(root_id)) return;
        set_callout_reply(&response);
        if (response.failed)
          set_status(static_cast<uint32_t>(Status::BrokenConnection), response.failure_reason);
        else
          set_status(0, "");
        root_callbacks_.on_http_call_response(
            root_id, token, response.failed ? 0 : static_cast<uint32_t>(response.headers.size()),
            static_cast<uint32_t>(response.body.size()),
            static_cast<uint32_t>(response.trailers.size()));
        if (alive.expired() || !*alive.lock()) return;
        set_callout_reply(nullptr);
      });
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_grpc_call(HostCallState& call) {
  auto cluster = read(call.p(0), call.p(1));
  auto service = read(call.p(2), call.p(3));
  auto method = read(call.p(4), call.p(5));
  auto metadata = read(call.p(6), call.p(7));
  auto message = read(call.p(8), call.p(9));
  if (!cluster || !service || !method || !metadata || !message)
    return S(Status::InvalidMemoryAccess);
  call.note("upstream", printable(*cluster));
  call.note("service", printable(*service));
  call.note("method", printable(*method));
  auto reply = env_.callouts().grpc_reply(*cluster, *service, *method);
  if (!reply) {
    call.note("error", "no gRPC reply configured for cluster '" + std::string(*cluster) + "'");
    return S(Status::ParseFailure);
  }
  if (!write_u32(call.p(11), 0)) return S(Status::InvalidMemoryAccess);
  uint32_t token = (next_grpc_call_ += 4);
  write_u32(call.p(11), token);
  call.note("token", std::to_string(token));
  uint32_t root_id = root_of(effective_context_);
  grpc_calls_[token] = GrpcCall{root_id, false, *reply, 0};
  std::weak_ptr<bool> alive = alive_;
  // Deliver the scripted reply as Envoy would: metadata, message, trailers, close.
  env_.dispatcher().post([this, alive, token] {
    if (alive.expired() || !*alive.lock()) return;
    auto it = grpc_calls_.find(token);
    if (it == grpc_calls_.end()) return;
    GrpcCall state = it->second;
    uint32_t root = state.root_id;
    if (!state.reply.initial_metadata.empty()) {
      set_grpc_metadata(&state.reply.initial_metadata, nullptr);
      root_callbacks_.on_grpc_receive_initial_metadata(
          root, token, static_cast<uint32_t>(state.reply.initial_metadata.size()));
      if (alive.expired() || !*alive.lock()) return;
      // `state` dies with this task: never leave the host pointing into it.
      set_grpc_metadata(nullptr, nullptr);
      if (!grpc_calls_.count(token)) return;
    }
    if (state.reply.status == 0 && !state.reply.messages.empty()) {
      set_grpc_message(&state.reply.messages.front());
      root_callbacks_.on_grpc_receive(root, token,
                                      static_cast<uint32_t>(state.reply.messages.front().size()));
      if (alive.expired() || !*alive.lock()) return;
      set_grpc_message(nullptr);
      if (!grpc_calls_.count(token)) return;
    }
    if (!state.reply.trailing_metadata.empty()) {
      set_grpc_metadata(nullptr, &state.reply.trailing_metadata);
      root_callbacks_.on_grpc_receive_trailing_metadata(
          root, token, static_cast<uint32_t>(state.reply.trailing_metadata.size()));
      if (alive.expired() || !*alive.lock()) return;
      set_grpc_metadata(nullptr, nullptr);
      if (!grpc_calls_.count(token)) return;
    }
    set_grpc_metadata(nullptr, nullptr);
    grpc_calls_.erase(token);
    set_status(state.reply.status, state.reply.status_message);
    root_callbacks_.on_grpc_close(root, token, state.reply.status);
  });
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_grpc_stream(HostCallState& call) {
  auto cluster = read(call.p(0), call.p(1));
  auto service = read(call.p(2), call.p(3));
  auto method = read(call.p(4), call.p(5));
  auto metadata = read(call.p(6), call.p(7));
  if (!cluster || !service || !method || !metadata) return S(Status::InvalidMemoryAccess);
  call.note("upstream", printable(*cluster));
  call.note("service", printable(*service));
  call.note("method", printable(*method));
  auto reply = env_.callouts().grpc_reply(*cluster, *service, *method);
  if (!reply) return S(Status::ParseFailure);
  if (!write_u32(call.p(8), 0)) return S(Status::InvalidMemoryAccess);
  uint32_t token = (next_grpc_stream_ += 4);
  write_u32(call.p(8), token);
  call.note("token", std::to_string(token));
  uint32_t root_id = root_of(effective_context_);
  grpc_calls_[token] = GrpcCall{root_id, true, *reply, 0};
  if (!reply->initial_metadata.empty()) {
    std::weak_ptr<bool> alive = alive_;
    env_.dispatcher().post([this, alive, token] {
      if (alive.expired() || !*alive.lock()) return;
      auto it = grpc_calls_.find(token);
      if (it == grpc_calls_.end()) return;
      abi::HeaderPairs metadata_copy = it->second.reply.initial_metadata;
      set_grpc_metadata(&metadata_copy, nullptr);
      root_callbacks_.on_grpc_receive_initial_metadata(it->second.root_id, token,
                                                       static_cast<uint32_t>(metadata_copy.size()));
      if (alive.expired() || !*alive.lock()) return;
      set_grpc_metadata(nullptr, nullptr);
    });
  }
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_grpc_send(HostCallState& call) {
  uint32_t token = call.a(0);
  auto message = read(call.p(1), call.p(2));
  if (!message) return S(Status::InvalidMemoryAccess);
  // Only stream tokens (kind 2 in the low bits) can carry messages, as Envoy.
  if ((token & 3u) != 2u) return S(Status::BadArgument);
  auto it = grpc_calls_.find(token);
  if (it == grpc_calls_.end() || !it->second.is_stream) return S(Status::NotFound);
  call.note("message", printable(*message));
  bool end_stream = call.a(3) != 0;
  GrpcCall& state = it->second;
  std::weak_ptr<bool> alive = alive_;
  if (state.replies_sent < state.reply.messages.size()) {
    size_t index = state.replies_sent++;
    env_.dispatcher().post([this, alive, token, index] {
      if (alive.expired() || !*alive.lock()) return;
      auto found = grpc_calls_.find(token);
      if (found == grpc_calls_.end()) return;
      std::string reply_message = found->second.reply.messages[index];
      set_grpc_message(&reply_message);
      root_callbacks_.on_grpc_receive(found->second.root_id, token,
                                      static_cast<uint32_t>(reply_message.size()));
      if (alive.expired() || !*alive.lock()) return;
      set_grpc_message(nullptr);
    });
  }
  if (end_stream) {
    env_.dispatcher().post([this, alive, token] {
      if (alive.expired() || !*alive.lock()) return;
      auto found = grpc_calls_.find(token);
      if (found == grpc_calls_.end()) return;
      GrpcCall state_copy = found->second;
      grpc_calls_.erase(found);
      if (!state_copy.reply.trailing_metadata.empty()) {
        set_grpc_metadata(nullptr, &state_copy.reply.trailing_metadata);
        root_callbacks_.on_grpc_receive_trailing_metadata(
            state_copy.root_id, token,
            static_cast<uint32_t>(state_copy.reply.trailing_metadata.size()));
        if (alive.expired() || !*alive.lock()) return;
        set_grpc_metadata(nullptr, nullptr);
      }
      set_status(state_copy.reply.status, state_copy.reply.status_message);
      root_callbacks_.on_grpc_close(state_copy.root_id, token, state_copy.reply.status);
    });
  }
  return S(Status::Ok);
}

namespace {
// gRPC tokens carry their kind in the low two bits: 1 = call, 2 = stream.
bool is_grpc_token(uint32_t token) {
  return (token & 3u) == 1u || (token & 3u) == 2u;
}
}  // namespace

uint32_t AbiHost::proxy_grpc_cancel(HostCallState& call) {
  call.note("token", std::to_string(call.a(0)));
  if (!is_grpc_token(call.a(0))) return S(Status::BadArgument);
  return grpc_calls_.erase(call.a(0)) ? S(Status::Ok) : S(Status::NotFound);
}

uint32_t AbiHost::proxy_grpc_close(HostCallState& call) {
  call.note("token", std::to_string(call.a(0)));
  if (!is_grpc_token(call.a(0))) return S(Status::BadArgument);
  return grpc_calls_.erase(call.a(0)) ? S(Status::Ok) : S(Status::NotFound);
}

// --- Shared data and queues --------------------------------------------------------------------

uint32_t AbiHost::proxy_set_shared_data(HostCallState& call) {
  auto key = read(call.p(0), call.p(1));
  auto value = read(call.p(2), call.p(3));
  if (!key || !value) return S(Status::InvalidMemoryAccess);
  call.note("key", printable(*key));
  call.note("value", printable(*value));
  note_copy(call, CopyDirection::VmToHost, call.p(2), *value,
            "shared data value for " + printable(*key, 64));
  return S(env_.shared_data().set(identity_.vm_id, *key, *value, call.a(4)));
}

uint32_t AbiHost::proxy_get_shared_data(HostCallState& call) {
  auto key = read(call.p(0), call.p(1));
  if (!key) return S(Status::InvalidMemoryAccess);
  std::string key_copy(*key);
  call.note("key", printable(key_copy));
  auto entry = env_.shared_data().get(identity_.vm_id, key_copy);
  if (!entry) return S(Status::NotFound);
  call.note("value", printable(entry->value));
  call.note("cas", std::to_string(entry->cas));
  if (!write_u32(call.p(4), entry->cas)) return S(Status::InvalidMemoryAccess);
  return S(return_bytes(call, entry->value, call.p(2), call.p(3),
                        "shared data value of " + printable(key_copy, 64)));
}

uint32_t AbiHost::proxy_register_shared_queue(HostCallState& call) {
  auto name = read(call.p(0), call.p(1));
  if (!name) return S(Status::InvalidMemoryAccess);
  call.note("name", printable(*name));
  uint32_t root_id = root_of(effective_context_);
  std::weak_ptr<bool> alive = alive_;
  env_.queues().set_owner_for_next(this);
  uint32_t id = env_.queues().register_queue(
      identity_.vm_id, *name, [this, alive, root_id](uint32_t queue_id) {
        env_.dispatcher().post([this, alive, root_id, queue_id] {
          if (alive.expired() || !*alive.lock() || !has_context(root_id)) return;
          root_callbacks_.on_queue_ready(root_id, queue_id);
        });
      });
  env_.queues().set_owner_for_next(nullptr);
  call.note("queue_id", std::to_string(id));
  return write_u32(call.p(2), id) ? S(Status::Ok) : S(Status::InvalidMemoryAccess);
}

uint32_t AbiHost::proxy_resolve_shared_queue(HostCallState& call) {
  auto vm_id = read(call.p(0), call.p(1));
  auto name = read(call.p(2), call.p(3));
  if (!vm_id || !name) return S(Status::InvalidMemoryAccess);
  std::string wanted_vm = vm_id->empty() ? identity_.vm_id : std::string(*vm_id);
  call.note("vm_id", printable(wanted_vm));
  call.note("name", printable(*name));
  auto id = env_.queues().resolve(wanted_vm, *name);
  if (!id) return S(Status::NotFound);
  call.note("queue_id", std::to_string(*id));
  return write_u32(call.p(4), *id) ? S(Status::Ok) : S(Status::InvalidMemoryAccess);
}

uint32_t AbiHost::proxy_enqueue_shared_queue(HostCallState& call) {
  auto value = read(call.p(1), call.p(2));
  if (!value) return S(Status::InvalidMemoryAccess);
  call.note("value", printable(*value));
  return S(env_.queues().enqueue(call.a(0), *value));
}

uint32_t AbiHost::proxy_dequeue_shared_queue(HostCallState& call) {
  auto value = env_.queues().dequeue(call.a(0));
  if (!value) return S(value.error());
  call.note("value", printable(*value));
  return S(return_bytes(call, *value, call.p(1), call.p(2), "queue item"));
}

// --- Metrics -----------------------------------------------------------------------------------

uint32_t AbiHost::proxy_define_metric(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxMetricType) return S(Status::BadArgument);
  auto name = read(call.p(1), call.p(2));
  if (!name) return S(Status::InvalidMemoryAccess);
  call.note("metric_type", abi::name(static_cast<abi::MetricType>(type)));
  call.note("name", printable(*name));
  if (!write_u32(call.p(3), 0)) return S(Status::InvalidMemoryAccess);
  uint32_t id = env_.metrics().define(static_cast<abi::MetricType>(type), *name);
  call.note("metric_id", std::to_string(id));
  write_u32(call.p(3), id);
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_increment_metric(HostCallState& call) {
  auto delta = static_cast<int64_t>(call.a64(1));
  call.note("offset", std::to_string(delta));
  return S(env_.metrics().increment(call.a(0), delta));
}

uint32_t AbiHost::proxy_record_metric(HostCallState& call) {
  return S(env_.metrics().record(call.a(0), call.a64(1)));
}

uint32_t AbiHost::proxy_get_metric(HostCallState& call) {
  auto value = env_.metrics().get(call.a(0));
  if (!value) return S(value.error());
  call.note("value", std::to_string(*value));
  return write_u64(call.p(1), *value) ? S(Status::Ok) : S(Status::InvalidMemoryAccess);
}

// --- Properties --------------------------------------------------------------------------------

std::optional<std::string> AbiHost::lookup_property(const std::string& path) {
  ContextState* context = effective();
  HttpStreamState* stream = context ? context->stream : nullptr;
  if (stream) {
    auto it = stream->filter_state.find(path);
    if (it != stream->filter_state.end()) return it->second;
  }
  if (auto it = identity_.properties.find(path); it != identity_.properties.end())
    return it->second;
  if (auto it = env_.options().properties.find(path); it != env_.options().properties.end())
    return it->second;
  if (path == "plugin_name") return identity_.name;
  if (path == "plugin_root_id") return identity_.root_id;
  if (path == "plugin_vm_id") return identity_.vm_id;
  if (!stream) return std::nullopt;

  const StreamInfo& info = stream->info;
  const HeaderMap& request = stream->request_headers;
  auto header = [&](const HeaderMap& map, std::string_view name) -> std::optional<std::string> {
    auto value = map.get(name);
    if (!value) return std::nullopt;
    return std::string(*value);
  };
  if (path == "request.path") return header(request, ":path");
  if (path == "request.url_path") {
    auto full = header(request, ":path");
    if (!full) return std::nullopt;
    return full->substr(0, full->find('?'));
  }
  if (path == "request.query") {
    auto full = header(request, ":path");
    if (!full) return std::nullopt;
    auto q = full->find('?');
    return q == std::string::npos ? std::string() : full->substr(q + 1);
  }
  if (path == "request.host") return header(request, ":authority");
  if (path == "request.scheme") return header(request, ":scheme");
  if (path == "request.method") return header(request, ":method");
  if (path == "request.referer") return header(request, "referer");
  if (path == "request.useragent") return header(request, "user-agent");
  if (path == "request.id") return header(request, "x-request-id");
  if (path == "request.protocol") return info.protocol;
  if (path == "request.time") return encode_u64(info.start_time_ns);
  if (path == "request.duration") return encode_u64(info.duration_ns);
  if (path == "request.size") return encode_u64(info.request_body_bytes);
  if (path == "request.total_size")
    return encode_u64(info.request_body_bytes + request.byte_size());
  if (path == "request.headers") {
    auto bytes = abi::encode_pairs(request.pairs());
    return std::string(bytes.begin(), bytes.end());
  }
  if (path.starts_with("request.headers.")) return request.get_joined(path.substr(16));
  if (path == "response.code") {
    if (!info.response_code) return std::nullopt;
    return encode_u64(*info.response_code);
  }
  if (path == "response.code_details") return info.response_code_details;
  if (path == "response.flags") return encode_u64(0);
  if (path == "response.grpc_status") {
    auto status = header(stream->response_trailers, "grpc-status");
    if (!status) status = header(stream->response_headers, "grpc-status");
    if (!status) return std::nullopt;
    return encode_u64(std::strtoull(status->c_str(), nullptr, 10));
  }
  if (path == "response.size") return encode_u64(info.response_body_bytes);
  if (path == "response.total_size")
    return encode_u64(info.response_body_bytes + stream->response_headers.byte_size());
  if (path == "response.headers") {
    auto bytes = abi::encode_pairs(stream->response_headers.pairs());
    return std::string(bytes.begin(), bytes.end());
  }
  if (path.starts_with("response.headers."))
    return stream->response_headers.get_joined(path.substr(17));
  if (path.starts_with("response.trailers."))
    return stream->response_trailers.get_joined(path.substr(18));
  if (path == "source.address") return info.source_address + ":" + std::to_string(info.source_port);
  if (path == "source.port") return encode_u64(info.source_port);
  if (path == "destination.address")
    return info.destination_address + ":" + std::to_string(info.destination_port);
  if (path == "destination.port") return encode_u64(info.destination_port);
  if (path == "upstream.address") {
    if (info.upstream_port == 0) return std::nullopt;
    return info.upstream_address + ":" + std::to_string(info.upstream_port);
  }
  if (path == "upstream.port") {
    if (info.upstream_port == 0) return std::nullopt;
    return encode_u64(info.upstream_port);
  }
  if (path == "connection.id" || path == "connection_id") return encode_u64(info.connection_id);
  if (path == "connection.mtls") return std::string(1, '\0');
  return std::nullopt;
}

uint32_t AbiHost::proxy_get_property(HostCallState& call) {
  auto raw = read(call.p(0), call.p(1));
  if (!raw) return S(Status::InvalidMemoryAccess);
  // Segments are NUL-separated; the C++ SDK also terminates the last one.
  std::string path(*raw);
  while (!path.empty() && path.back() == '\0') path.pop_back();
  std::replace(path.begin(), path.end(), '\0', '.');
  call.note("path", printable(path));
  note_copy(call, CopyDirection::VmToHost, call.p(0), *raw, "property path " + printable(path, 64));
  auto value = lookup_property(path);
  if (!value) return S(Status::NotFound);
  call.note("value", printable(*value));
  return S(return_bytes(call, *value, call.p(2), call.p(3), "property " + printable(path, 64)));
}

uint32_t AbiHost::proxy_set_property(HostCallState& call) {
  auto raw = read(call.p(0), call.p(1));
  auto value = read(call.p(2), call.p(3));
  if (!raw || !value) return S(Status::InvalidMemoryAccess);
  std::string path(*raw);
  while (!path.empty() && path.back() == '\0') path.pop_back();
  std::replace(path.begin(), path.end(), '\0', '.');
  call.note("path", printable(path));
  call.note("value", printable(*value));
  ContextState* context = effective();
  // Envoy keeps set properties in the stream's filter state: no stream, nowhere to put them.
  if (!context || !context->stream) return S(Status::NotFound);
  context->stream->filter_state[path] = std::string(*value);
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_call_foreign_function(HostCallState& call) {
  auto name = read(call.p(0), call.p(1));
  auto args = read(call.p(2), call.p(3));
  if (!name || !args) return S(Status::InvalidMemoryAccess);
  call.note("name", printable(*name));
  const ForeignFunction* function = env_.foreign_functions().find(*name);
  if (!function) return S(Status::NotFound);
  std::string args_copy(*args);
  auto result = (*function)(args_copy);
  if (!result) return S(result.error());
  call.note("result_size", std::to_string(result->size()));
  // Null result pointers mean the caller discards the result.
  if (call.p(4) == 0 && call.p(5) == 0) return S(Status::Ok);
  return S(return_bytes(call, *result, call.p(4), call.p(5),
                        "result of foreign function " + printable(*name, 64)));
}

uint32_t AbiHost::pthread_equal(HostCallState& call) {
  return call.a(0) == call.a(1) ? 1 : 0;
}

uint32_t AbiHost::emscripten_notify_memory_growth(HostCallState&) {
  return 0;
}

// --- WASI --------------------------------------------------------------------------------------

uint32_t AbiHost::write_stdio(HostCallState& call, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                              uint32_t ret_written) {
  if (fd != 1 && fd != 2) return E(abi::WasiErrno::Badf);
  std::string text;
  for (uint32_t i = 0; i < iovs_len; ++i) {
    auto entry = read(iovs + i * 8, 8);
    if (!entry) return E(abi::WasiErrno::Fault);
    auto u32 = [&](size_t offset) {
      const auto* p = reinterpret_cast<const uint8_t*>(entry->data()) + offset;
      return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
             static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
    };
    auto chunk = read(u32(0), u32(4));
    if (!chunk) return E(abi::WasiErrno::Fault);
    text.append(*chunk);
  }
  if (!write_u32(ret_written, static_cast<uint32_t>(text.size()))) return E(abi::WasiErrno::Fault);
  call.note("fd", fd == 1 ? "stdout" : "stderr");
  call.note("text", printable(text));
  std::string message = text;
  if (!message.empty() && message.back() == '\n') message.pop_back();
  emit_log(fd == 1 ? abi::LogLevel::Info : abi::LogLevel::Error, std::move(message));
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_fd_write(HostCallState& call) {
  return write_stdio(call, call.a(0), call.a(1), call.a(2), call.a(3));
}

uint32_t AbiHost::wasi_fd_pwrite(HostCallState& call) {
  return write_stdio(call, call.a(0), call.a(1), call.a(2), call.a(4));
}

uint32_t AbiHost::wasi_fd_read(HostCallState&) {
  return E(abi::WasiErrno::Nosys);
}

uint32_t AbiHost::wasi_fd_seek(HostCallState&) {
  emit_log(abi::LogLevel::Error, "fd_seek is not supported (no file system)");
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_fd_tell(HostCallState& call) {
  uint32_t fd = call.a(0);
  if (fd != 1 && fd != 2) return E(abi::WasiErrno::Badf);
  return write_u64(call.a(1), 0) ? E(abi::WasiErrno::Success) : E(abi::WasiErrno::Fault);
}

uint32_t AbiHost::wasi_fd_close(HostCallState&) {
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_fd_fdstat_get(HostCallState& call) {
  uint32_t fd = call.a(0);
  if (fd != 1 && fd != 2) return E(abi::WasiErrno::Badf);
  // fdstat: filetype u8, flags u16, rights_base u64 at 8, rights_inheriting u64 at 16.
  std::string stat(24, '\0');
  stat[8] = 0x40;  // FD_WRITE
  return write_bytes(call.a(1), stat) ? E(abi::WasiErrno::Success) : E(abi::WasiErrno::Fault);
}

uint32_t AbiHost::wasi_stdio_only(HostCallState& call) {
  uint32_t fd = call.a(0);
  return (fd == 1 || fd == 2) ? E(abi::WasiErrno::Success) : E(abi::WasiErrno::Badf);
}

uint32_t AbiHost::wasi_nosys(HostCallState&) {
  return E(abi::WasiErrno::Nosys);
}
uint32_t AbiHost::wasi_badf(HostCallState&) {
  return E(abi::WasiErrno::Badf);
}
uint32_t AbiHost::wasi_notsup(HostCallState&) {
  return E(abi::WasiErrno::Notsup);
}
uint32_t AbiHost::wasi_success(HostCallState&) {
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_fd_readdir(HostCallState& call) {
  write_u32(call.a(4), 0);
  return E(abi::WasiErrno::Badf);
}

uint32_t AbiHost::wasi_fd_renumber(HostCallState& call) {
  auto stdio = [](uint32_t fd) { return fd == 1 || fd == 2; };
  return stdio(call.a(0)) && stdio(call.a(1)) ? E(abi::WasiErrno::Notsup) : E(abi::WasiErrno::Badf);
}

uint32_t AbiHost::wasi_path_open(HostCallState& call) {
  call.note("note", "no file system access is granted to filters");
  return E(abi::WasiErrno::Noent);
}

uint32_t AbiHost::wasi_path_readlink(HostCallState& call) {
  write_u32(call.a(5), 0);
  return E(abi::WasiErrno::Notsup);
}

uint32_t AbiHost::wasi_sock_accept(HostCallState& call) {
  write_u32(call.a(2), 0);
  return E(abi::WasiErrno::Notsup);
}

uint32_t AbiHost::wasi_sock_recv(HostCallState& call) {
  write_u32(call.a(4), 0);
  write_u32(call.a(5), 0);
  return E(abi::WasiErrno::Notsup);
}

uint32_t AbiHost::wasi_sock_send(HostCallState& call) {
  write_u32(call.a(4), 0);
  return E(abi::WasiErrno::Notsup);
}

uint32_t AbiHost::wasi_environ_sizes_get(HostCallState& call) {
  uint32_t size = 0;
  for (const auto& [key, value] : identity_.environment)
    size += static_cast<uint32_t>(key.size() + value.size() + 2);
  if (!write_u32(call.a(0), static_cast<uint32_t>(identity_.environment.size())) ||
      !write_u32(call.a(1), size))
    return E(abi::WasiErrno::Fault);
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_environ_get(HostCallState& call) {
  uint32_t pointers = call.a(0);
  uint32_t buffer = call.a(1);
  for (const auto& [key, value] : identity_.environment) {
    std::string entry = key + "=" + value;
    entry.push_back('\0');
    if (!write_u32(pointers, buffer) || !write_bytes(buffer, entry))
      return E(abi::WasiErrno::Fault);
    pointers += 4;
    buffer += static_cast<uint32_t>(entry.size());
  }
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_args_sizes_get(HostCallState& call) {
  if (!write_u32(call.a(0), 0) || !write_u32(call.a(1), 0)) return E(abi::WasiErrno::Fault);
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_args_get(HostCallState&) {
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_clock_time_get(HostCallState& call) {
  uint32_t clock = call.a(0);
  uint64_t now = 0;
  if (clock == 0)
    now = env_.dispatcher().realtime_ns();
  else if (clock == 1)
    now = env_.dispatcher().monotonic_ns();
  else
    return E(abi::WasiErrno::Notsup);
  return write_u64(call.a(2), now) ? E(abi::WasiErrno::Success) : E(abi::WasiErrno::Fault);
}

uint32_t AbiHost::wasi_clock_res_get(HostCallState& call) {
  if (call.a(0) > 1) return E(abi::WasiErrno::Notsup);
  return write_u64(call.a(1), 1) ? E(abi::WasiErrno::Success) : E(abi::WasiErrno::Fault);
}

uint32_t AbiHost::wasi_random_get(HostCallState& call) {
  uint32_t size = call.a(1);
  if (size > 65536) return E(abi::WasiErrno::Inval);
  if (size == 0) return E(abi::WasiErrno::Success);
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  std::string bytes(size, '\0');
  for (auto& b : bytes) b = static_cast<char>(generator() & 0xff);
  return write_bytes(call.a(0), bytes) ? E(abi::WasiErrno::Success) : E(abi::WasiErrno::Fault);
}

uint32_t AbiHost::wasi_poll_oneoff(HostCallState& call) {
  return write_u32(call.a(3), 0) ? E(abi::WasiErrno::Success) : E(abi::WasiErrno::Fault);
}

uint32_t AbiHost::wasi_proc_exit(HostCallState& call) {
  // As cpp-host: log and return; the module normally traps right after (unreachable).
  emit_log(abi::LogLevel::Error, "proc_exit(" + std::to_string(call.a(0)) + ") called");
  return 0;
}

}  // namespace pwplay::host
