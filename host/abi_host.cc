// AbiHost, the core: import resolution and dispatch (restricted phases, fault injection, the trace
// event of every host call), contexts, guest memory helpers, logging, time and ticks. The host
// functions themselves live in rooms by subject: abi_host_http.cc (buffers, header maps, stream
// control), abi_host_callouts.cc (HTTP and gRPC), abi_host_shared.cc (shared data, queues,
// metrics, properties, foreign functions), abi_host_wasi.cc (WASI, Emscripten); the table that
// maps each ABI row to one of them is abi_host_table.cc.
#include "host/abi_host.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "host/abi_host_internal.h"
#include "host/argument_checks.h"

namespace pwplay::host {

using abi::Status;
using namespace abi_host_detail;

namespace {

FuncType func_type_of(const abi::Signature& signature) {
  FuncType type;
  for (char c : signature.params) type.params.push_back(c == 'I' ? ValType::I64 : ValType::I32);
  for (char c : signature.results) type.results.push_back(c == 'I' ? ValType::I64 : ValType::I32);
  return type;
}

}  // namespace

// --- Resolution and dispatch -------------------------------------------------------------------

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
  http_in_flight_.clear();
}

AbiHost::PendingWork AbiHost::pending_work() const {
  PendingWork work;
  work.http_calls = http_in_flight_.size();
  for (const auto& [token, call] : grpc_calls_)
    if (!call.is_stream) ++work.grpc_calls;
  for (const auto& [id, context] : contexts_)
    if (context.kind == ContextKind::Root && context.tick_timer != 0 && !context.ticked)
      ++work.first_ticks;
  return work;
}

std::optional<HostFunction> AbiHost::resolve(const ImportDesc& import) {
  const abi::HostFunctionSpec* spec = abi::find_host_function(import.name);
  if (!spec || !abi::is_abi_import(import.module, import.name)) return std::nullopt;
  if (!abi::has_version(spec->versions, version_)) return std::nullopt;
  if (import.kind != ExternKind::Function || !(import.type == func_type_of(spec->signature)))
    return std::nullopt;
  Impl impl = implementation_of(*spec);
  if (!impl) return std::nullopt;
  bool has_result = !spec->signature.results.empty();
  return HostFunction(
      [this, spec, impl, has_result](std::span<const Value> args,
                                     std::span<Value> results) -> std::optional<HostTrapRequest> {
        HostCallState call;
        call.args = args;
        call.function_index = static_cast<size_t>(spec - abi::host_functions().data());
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
  Impl impl = implementation_of(*spec);
  if (!impl) return make_error(std::string(name) + " has no implementation in this host");
  HostCallState call;
  call.args = args;
  call.function_index = static_cast<size_t>(spec - abi::host_functions().data());
  call.tracing = env_.tracing();
  uint32_t result = dispatch(*spec, impl, call);
  if (call.trap) return make_error("trap: " + *call.trap);
  return result;
}

uint32_t AbiHost::dispatch(const abi::HostFunctionSpec& spec, Impl impl, HostCallState& call) {
  if (phase_ == CallPhase::StartUp && !abi::allowed_during_startup(spec)) {
    call.trap = "restricted_callback: " + std::string(spec.name) +
                " may not be called during start-up (_initialize/main/_start)";
  } else if (phase_ == CallPhase::Allocator && !abi::allowed_from_allocator(spec)) {
    call.trap =
        "restricted_callback: " + std::string(spec.name) + " may not be called from the allocator";
  }
  const bool timed = call.tracing || (kPerfStats && perf_);
  uint64_t start = timed ? env_.elapsed_ns() : 0;
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
  if (kPerfStats && perf_)
    perf_->host_call(call.function_index, env_.elapsed_ns() - start, current_tally_);
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
    std::vector<uint64_t> raw;
    raw.reserve(call.args.size());
    for (const Value& value : call.args) raw.push_back(value.as_u64());
    event.warnings = suspicious_arguments(spec, raw);
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
    // An abort there ends the call as a trap, on every engine (a terminated VM would only stop
    // at the engine's next check, after the call may have done more).
    if (env_.trace()->pause_point(point) == PauseVerdict::Abort) {
      call.trap = "aborted by the user at " + std::string(spec.name);
      user_abort_ = *call.trap;
    }
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
  if (perf_ && it->second.kind == ContextKind::Stream) perf_->request_done(it->second.tally);
  if (current_tally_ == &it->second.tally) current_tally_ = nullptr;
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
      saved_phase_(host.phase_),
      saved_tally_(host.current_tally_) {
  host.current_tally_ = host.tally(context_id);
  host.current_context_ = context_id;
  host.effective_context_ = context_id;
  host.phase_ = phase;
}

AbiHost::CallbackScope::~CallbackScope() {
  host_.current_context_ = saved_current_;
  host_.effective_context_ = saved_effective_;
  host_.phase_ = saved_phase_;
  host_.current_tally_ = saved_tally_;
}

RequestTally* AbiHost::tally(uint32_t context_id) {
  ContextState* context = find_context(context_id);
  return context && context->kind == ContextKind::Stream ? &context->tally : nullptr;
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
  if (kPerfStats && perf_)
    perf_->copy(call.function_index, direction == CopyDirection::HostToVm, data.size(),
                perf_key(label, call.function_index), current_tally_);
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
  if (kPerfStats && perf_) perf_->allocation(data.size(), current_tally_);
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
          ctx->ticked = true;
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
  if (!has_context(id)) {
    // Typically a callout answer for a stream that has ended: its context is deleted.
    call.note("error", "no context " + std::to_string(id) +
                           " (a stream's context is deleted when its stream ends)");
    return S(Status::BadArgument);
  }
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

}  // namespace pwplay::host
