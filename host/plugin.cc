#include "host/plugin.h"

#include <algorithm>
#include <filesystem>
#include <iterator>

#include "abi/functions.h"

namespace pwplay::host {
namespace {

constexpr const char* kCallbackNames[] = {
    "proxy_on_context_create",
    "proxy_on_vm_start",
    "proxy_on_configure",
    "proxy_on_tick",
    "proxy_on_queue_ready",
    "proxy_on_foreign_function",
    "proxy_on_request_headers",
    "proxy_on_request_body",
    "proxy_on_request_trailers",
    "proxy_on_response_headers",
    "proxy_on_response_body",
    "proxy_on_response_trailers",
    "proxy_on_http_call_response",
    "proxy_on_grpc_receive_initial_metadata",
    "proxy_on_grpc_receive",
    "proxy_on_grpc_receive_trailing_metadata",
    "proxy_on_grpc_close",
    "proxy_on_done",
    "proxy_on_log",
    "proxy_on_delete",
};
static_assert(std::size(kCallbackNames) == static_cast<size_t>(Callback::Count));

FuncType type_of(const abi::Signature& signature) {
  FuncType type;
  for (char c : signature.params) type.params.push_back(c == 'I' ? ValType::I64 : ValType::I32);
  for (char c : signature.results) type.results.push_back(c == 'I' ? ValType::I64 : ValType::I32);
  return type;
}

std::string describe_source(const PluginConfig& config) {
  return config.wasm_path.empty() ? std::string("module") : config.wasm_path;
}

}  // namespace

const char* callback_name(Callback callback) {
  return kCallbackNames[static_cast<size_t>(callback)];
}

// The module's memory and allocator, for the host functions.
class Plugin::VmGuest : public Guest {
 public:
  explicit VmGuest(Plugin& plugin) : plugin_(plugin) {}
  std::span<uint8_t> memory() override { return plugin_.vm_->memory(); }
  uint8_t* translate(uint64_t address, uint64_t size) override {
    return plugin_.vm_->translate(address, size);
  }
  uint32_t word_size() const override { return plugin_.vm_->pointer_size(); }
  Vm* vm() override { return plugin_.vm_.get(); }
  std::optional<uint64_t> allocate(uint32_t size) override {
    if (!plugin_.allocator_.valid() || plugin_.failed() || plugin_.fail_allocations_)
      return std::nullopt;
    Value argument = Value::i32(size);
    Value result;
    CallPhase previous = plugin_.host_->exchange_phase(CallPhase::Allocator);
    auto outcome = plugin_.vm_->call(plugin_.allocator_, std::span<const Value>(&argument, 1),
                                     std::span<Value>(&result, 1));
    plugin_.host_->exchange_phase(previous);
    if (!outcome.ok()) {
      plugin_.fail("malloc", outcome.error());
      return std::nullopt;
    }
    // All 64 bits: a native filter's allocator returns a host address.
    uint64_t address = result.as_u64();
    if (address == 0 || translate(address, size) == nullptr) return std::nullopt;
    return address;
  }

 private:
  Plugin& plugin_;
};

Result<std::unique_ptr<Plugin>> Plugin::create(HostEnv& env, PluginConfig config,
                                               std::vector<uint8_t> wasm) {
  std::optional<PluginFailure> failure;
  return create(env, std::move(config), std::move(wasm), failure);
}

Result<std::unique_ptr<Plugin>> Plugin::create(HostEnv& env, PluginConfig config,
                                               std::vector<uint8_t> wasm,
                                               std::optional<PluginFailure>& failure) {
  if (config.name.empty() && !config.wasm_path.empty())
    config.name = std::filesystem::path(config.wasm_path).stem().string();
  auto plugin = std::make_unique<Plugin>(Key{}, env, std::move(config), std::move(wasm));
  auto started = plugin->start();
  if (!started) {
    failure = plugin->failure_;
    // A start-up step that failed before the VM ran (a start function of the wrong type).
    if (!failure) failure = PluginFailure{"start-up", started.error().message, VmFault::None, {}};
    return unexpected(started.error());
  }
  failure.reset();
  return plugin;
}

Plugin::Plugin(Key, HostEnv& env, PluginConfig config, std::vector<uint8_t> wasm)
    : env_(env), config_(std::move(config)), wasm_(std::move(wasm)) {}

Plugin::~Plugin() {
  if (host_) host_->shutdown();
}

std::string Plugin::engine_name() const {
  return vm_ ? std::string(vm_->engine_name()) : config_.engine;
}
std::string Plugin::engine_version() const {
  return vm_ ? vm_->engine_version() : std::string();
}

void Plugin::set_injections(std::map<std::string, abi::Status> injections) {
  injections_ = std::move(injections);
  if (!host_) return;
  host_->clear_injections();
  for (const auto& [name, status] : injections_) host_->inject_result(name, status);
}

void Plugin::set_log_handler(std::function<void(const LogRecord&)> handler) {
  log_handler_ = std::move(handler);
}

Result<void> Plugin::start() {
  const std::string source = describe_source(config_);
  failure_.reset();
  ++generation_;
  callbacks_.fill(FunctionRef{});
  allocator_ = FunctionRef{};
  if (host_) host_->shutdown();
  host_.reset();
  guest_.reset();
  vm_.reset();

  auto start_failed = [&](std::string where, std::string message) -> Result<void> {
    failure_ = PluginFailure{where, message, VmFault::None, {}};
    return make_error(source + ": " + message);
  };

  // Load times go to the perf counters whichever way start() ends.
  struct LoadRecorder {
    PluginPerf& perf;
    LoadTiming timing;
    ~LoadRecorder() { perf.load(timing); }
  };
  perf_ = env_.perf().plugin(config_.name, config_.engine);
  LoadRecorder load_times{*perf_, LoadTiming{env_.elapsed_ns(), 0, 0, 0, false}};
  uint64_t phase_start = load_times.timing.at_ns;
  auto phase_done = [&](uint64_t& field) {
    uint64_t now = env_.elapsed_ns();
    field = now - phase_start;
    phase_start = now;
  };

  auto vm = create_vm(config_.engine, config_.vm_options);
  if (!vm) return start_failed("create", vm.error().message);
  vm_ = std::move(*vm);
  if (auto loaded = vm_->load(wasm_); !loaded) return start_failed("load", loaded.error().message);
  phase_done(load_times.timing.compile_ns);
  counts_instructions_ = vm_->instructions_executed().has_value();
  perf_->set_counts_instructions(counts_instructions_);

  std::vector<std::string> export_names;
  for (const auto& e : vm_->exports())
    if (e.kind == ExternKind::Function) export_names.push_back(e.name);
  auto version = abi::detect_abi_version(export_names);
  if (!version) return start_failed("load", version.error().message);
  version_ = *version;

  PluginIdentity identity{config_.name,          config_.root_id,          config_.vm_id,
                          config_.configuration, config_.vm_configuration, config_.environment,
                          config_.properties};
  guest_ = std::make_unique<VmGuest>(*this);
  host_ = std::make_unique<AbiHost>(env_, std::move(identity), version_, *guest_, *this);
  host_->set_perf(perf_.get());
  host_->set_log_handler([this](const LogRecord& record) {
    if (log_handler_)
      log_handler_(record);
    else if (env_.log_handler())
      env_.log_handler()(record);
  });

  for (const auto& [name, status] : injections_) host_->inject_result(name, status);

  std::string link_problem;
  auto linked = vm_->link([&](const ImportDesc& import) -> std::optional<HostFunction> {
    auto function = host_->resolve(import);
    if (function || !link_problem.empty()) return function;
    const abi::HostFunctionSpec* spec = abi::find_host_function(import.name);
    std::string full = import.module + "." + import.name;
    if (!spec || !abi::is_abi_import(import.module, import.name)) {
      link_problem = "missing import: " + full + " is not a host function of proxy-wasm";
    } else if (!abi::has_version(spec->versions, version_)) {
      link_problem = "missing import: " + full + " is not part of proxy-wasm ABI " +
                     abi::name(version_) + " (the version the module declares)";
    } else {
      link_problem = "import " + full + " has type " + to_string(import.type) +
                     " but the host function has type " + to_string(type_of(spec->signature));
    }
    return std::nullopt;
  });
  if (!linked)
    return start_failed("link", link_problem.empty() ? linked.error().message : link_problem);
  phase_done(load_times.timing.instantiate_ns);

  for (size_t i = 0; i < callbacks_.size(); ++i) {
    const abi::CallbackSpec* spec = abi::find_callback(kCallbackNames[i], version_);
    if (!spec) continue;
    auto ref = vm_->find_function(spec->name, type_of(spec->signature));
    if (!ref) return start_failed("link", ref.error().message);
    callbacks_[i] = *ref;
  }
  // The AssemblyScript SDK exports trailing metadata under a non-spec name; accept it too.
  if (!callbacks_[static_cast<size_t>(Callback::OnGrpcReceiveTrailingMetadata)].valid()) {
    auto alias = vm_->find_function("proxy_on_grpc_trailing_metadata",
                                    FuncType{{ValType::I32, ValType::I32, ValType::I32}, {}});
    if (alias && alias->valid())
      callbacks_[static_cast<size_t>(Callback::OnGrpcReceiveTrailingMetadata)] = *alias;
  }
  // proxy-wasm-cpp-host looks for malloc first, then proxy_on_memory_allocate.
  const FuncType allocator_type{{ValType::I32}, {ValType::I32}};
  for (const char* name : {"malloc", "proxy_on_memory_allocate"}) {
    auto ref = vm_->find_function(name, allocator_type);
    if (!ref) return start_failed("link", ref.error().message);
    if (ref->valid()) {
      allocator_ = *ref;
      break;
    }
  }
  if (!allocator_.valid())
    return start_failed("link",
                        "the module exports neither malloc nor proxy_on_memory_allocate; the host "
                        "needs one to hand data to the filter");

  // Start-up as Envoy: _initialize then main/__main_void (reactors), else _start (commands).
  auto has_export = [&](std::string_view name) {
    for (const auto& e : vm_->exports())
      if (e.name == name && e.kind == ExternKind::Function) return true;
    return false;
  };
  if (has_export("_initialize")) {
    if (auto r = run_start_function("_initialize", {}, {}); !r) return r;
    if (has_export("main")) {
      const Value args[] = {Value::i32(0), Value::i32(0)};
      if (auto r = run_start_function("main", {{ValType::I32, ValType::I32}, {ValType::I32}}, args);
          !r)
        return r;
    } else if (has_export("__main_void")) {
      if (auto r = run_start_function("__main_void", {{}, {ValType::I32}}, {}); !r) return r;
    }
  } else if (has_export("_start")) {
    if (auto r = run_start_function("_start", {}, {}); !r) return r;
  }

  root_id_ = host_->create_root_context();
  if (!invoke(Callback::OnContextCreate, root_id_, std::array{Value::i32(root_id_), Value::i32(0)},
              false))
    return make_error(source + ": " + failure_->message);
  host_->set_configuration_phase(true);
  auto vm_started =
      invoke(Callback::OnVmStart, root_id_,
             std::array{Value::i32(root_id_),
                        Value::i32(static_cast<uint32_t>(config_.vm_configuration.size()))},
             true);
  host_->set_configuration_phase(false);
  if (!vm_started) return make_error(source + ": " + failure_->message);
  if (callbacks_[static_cast<size_t>(Callback::OnVmStart)].valid() && *vm_started == 0)
    return start_failed("proxy_on_vm_start",
                        "proxy_on_vm_start returned false: the VM refused to start");
  auto configured =
      invoke(Callback::OnConfigure, root_id_,
             std::array{Value::i32(root_id_),
                        Value::i32(static_cast<uint32_t>(config_.configuration.size()))},
             true);
  if (!configured) return make_error(source + ": " + failure_->message);
  if (callbacks_[static_cast<size_t>(Callback::OnConfigure)].valid() && *configured == 0)
    return start_failed("proxy_on_configure",
                        "proxy_on_configure returned false: the plugin rejected its configuration");
  last_memory_size_ = vm_->memory().size();
  phase_done(load_times.timing.startup_ns);
  load_times.timing.ok = true;
  perf_->memory(last_memory_size_, env_.elapsed_ns(), kPerfCallbacks);
  return {};
}

Result<void> Plugin::run_start_function(std::string_view name, const FuncType& type,
                                        std::span<const Value> args) {
  auto ref = vm_->find_function(name, type);
  if (!ref) return make_error(describe_source(config_) + ": " + ref.error().message);
  if (!ref->valid()) return {};
  AbiHost::CallbackScope scope(*host_, 0, CallPhase::StartUp);
  Value result;
  std::span<Value> results =
      type.results.empty() ? std::span<Value>() : std::span<Value>(&result, 1);
  uint64_t start = env_.tracing() ? env_.elapsed_ns() : 0;
  auto outcome = vm_->call(*ref, args, results);
  if (env_.tracing()) {
    TraceEvent event;
    event.kind = EventKind::Callback;
    event.name = std::string(name);
    event.phase = "exit";
    event.start_ns = start;
    event.duration_ns = env_.elapsed_ns() - start;
    event.result =
        outcome ? (type.results.empty() ? "" : std::to_string(result.as_i32())) : "failed";
    host_->record(std::move(event));
  }
  std::optional<std::string> user_abort = host_->take_user_abort();
  if (!outcome) {
    VmError error = outcome.error();
    if (user_abort) {
      error.fault = VmFault::Terminated;
      error.message = std::move(*user_abort);
    }
    fail(std::string(name), error);
    return make_error(describe_source(config_) + ": " + failure_->message);
  }
  return {};
}

Result<void> Plugin::restart() {
  ++restarts_;
  if (env_.tracing()) {
    TraceEvent event;
    event.kind = EventKind::Lifecycle;
    event.name = "vm_replaced";
    event.args.push_back({"reason", failure_ ? failure_->message : "restart requested"});
    event.start_ns = env_.elapsed_ns();
    event.plugin = config_.name;
    env_.trace()->record(std::move(event));
  }
  return start();
}

std::string Plugin::decode_result(Callback callback, uint32_t value) const {
  switch (callback) {
    case Callback::OnRequestHeaders:
    case Callback::OnResponseHeaders:
      return abi::name(static_cast<abi::FilterHeadersStatus>(value));
    case Callback::OnRequestBody:
    case Callback::OnResponseBody:
      return abi::name(static_cast<abi::FilterDataStatus>(value));
    case Callback::OnRequestTrailers:
    case Callback::OnResponseTrailers:
      return abi::name(static_cast<abi::FilterTrailersStatus>(value));
    case Callback::OnVmStart:
    case Callback::OnConfigure:
    case Callback::OnDone:
      return value ? "true" : "false";
    default:
      return std::to_string(value);
  }
}

void Plugin::fail(std::string callback, const VmError& error) {
  if (failure_) return;  // the first failure is the one that matters
  std::string message = "Function: " + callback + " failed: " + error.message;
  if (!error.backtrace.empty()) {
    message += "\nProxy-Wasm plugin in-VM backtrace:";
    for (size_t i = 0; i < error.backtrace.size(); ++i) {
      const WasmFrame& frame = error.backtrace[i];
      std::string name =
          frame.name.empty()
              ? "unknown(function index:" + std::to_string(frame.function_index) + ")"
              : frame.name;
      char offset[16];
      std::snprintf(offset, sizeof(offset), "0x%x", frame.code_offset);
      message += "\n  " + std::to_string(i) + ": " + offset + " - " + name;
    }
  }
  failure_ = PluginFailure{callback, message, error.fault, error.backtrace};
  // Root callbacks run outside any stream: without a log line nothing would show the failure.
  static constexpr std::string_view kRootCallbacks[] = {
      "proxy_on_tick",
      "proxy_on_queue_ready",
      "proxy_on_http_call_response",
      "proxy_on_grpc_receive_initial_metadata",
      "proxy_on_grpc_receive",
      "proxy_on_grpc_receive_trailing_metadata",
      "proxy_on_grpc_close",
      "proxy_on_foreign_function",
  };
  const bool root_callback = std::find(std::begin(kRootCallbacks), std::end(kRootCallbacks),
                                       callback) != std::end(kRootCallbacks);
  failure_->reload = callback != "proxy_on_tick" && callback != "proxy_on_queue_ready";
  if (root_callback) {
    LogRecord record;
    record.level = abi::LogLevel::Critical;
    record.plugin = config_.name;
    record.context_id = root_id_;
    record.message =
        "wasm VM of plugin " + config_.name + " failed in " + callback + ": " + error.message +
        (failure_->reload ? std::string()
                          : std::string(config_.fail_open ? "; the plugin stays failed: requests "
                                                            "pass it (fail_open)"
                                                          : "; the plugin stays failed: requests "
                                                            "get 503 (fail closed)"));
    if (log_handler_)
      log_handler_(record);
    else if (env_.log_handler())
      env_.log_handler()(record);
  }
  if (env_.tracing()) {
    TraceEvent event;
    event.kind = EventKind::Trap;
    event.name = std::string(vm_fault_name(error.fault));
    event.args.push_back({"callback", callback});
    event.args.push_back({"message", error.message});
    for (size_t i = 0; i < error.backtrace.size(); ++i)
      event.args.push_back({"frame" + std::to_string(i),
                            error.backtrace[i].name.empty()
                                ? "function " + std::to_string(error.backtrace[i].function_index)
                                : error.backtrace[i].name});
    event.context_id = host_ ? host_->current_context() : 0;
    event.start_ns = env_.elapsed_ns();
    event.depth = call_depth_;
    if (host_)
      host_->record(std::move(event));
    else
      env_.trace()->record(std::move(event));
  }
  if (failure_handler_) failure_handler_();
}

std::optional<uint32_t> Plugin::invoke(Callback callback, uint32_t context_id,
                                       std::span<const Value> args, bool has_result,
                                       CallPhase phase) {
  if (failed()) return std::nullopt;
  FunctionRef ref = callbacks_[static_cast<size_t>(callback)];
  // Missing callbacks behave as in Envoy: Continue, and "delete now" for on_done.
  if (!ref.valid()) return callback == Callback::OnDone ? 1u : 0u;
  const char* name = kCallbackNames[static_cast<size_t>(callback)];
  const bool tracing = env_.tracing();
  uint64_t start = 0;
  bool aborted = false;
  if (tracing) {
    start = env_.elapsed_ns();
    TraceEvent event;
    event.kind = EventKind::Callback;
    event.name = name;
    event.phase = "enter";
    event.context_id = context_id;
    event.depth = call_depth_;
    event.start_ns = start;
    if (const abi::CallbackSpec* spec = abi::find_callback(name, version_)) {
      std::string_view names = spec->param_names;
      for (const Value& v : args) {
        size_t comma = names.find(',');
        event.args.push_back({std::string(names.substr(0, comma)), std::to_string(v.as_u32())});
        names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
      }
    }
    host_->record(std::move(event));
    aborted = pause_point(PausePoint::Where::CallbackEnter, context_id) == PauseVerdict::Abort;
  }
  Value result;
  std::optional<uint32_t> value;
  if (aborted) {
    fail(name, VmError{VmFault::Terminated,
                       "aborted by the user at " + std::string(name) +
                           ": aborted by the debugger before it ran",
                       {}});
  } else {
    AbiHost::CallbackScope scope(*host_, context_id, phase);
    ++call_depth_;
    const uint64_t call_start = kPerfStats ? env_.elapsed_ns() : 0;
    const uint64_t instructions_before =
        kPerfStats && counts_instructions_ ? vm_->instructions_executed().value_or(0) : 0;
    auto outcome =
        vm_->call(ref, args, has_result ? std::span<Value>(&result, 1) : std::span<Value>());
    if constexpr (kPerfStats) count_call(callback, context_id, call_start, instructions_before);
    --call_depth_;
    // A debugger's abort inside the call reads the same on every engine (see note_user_abort).
    std::optional<std::string> user_abort = host_->take_user_abort();
    if (outcome) {
      value = has_result ? result.as_u32() : 0;
    } else {
      VmError error = outcome.error();
      if (user_abort) {
        error.fault = VmFault::Terminated;
        error.message = std::move(*user_abort);
      }
      fail(name, error);
    }
  }
  if (tracing) {
    TraceEvent event;
    event.kind = EventKind::Callback;
    event.name = name;
    event.phase = "exit";
    event.context_id = context_id;
    event.depth = call_depth_;
    event.start_ns = start;
    event.duration_ns = env_.elapsed_ns() - start;
    event.result = value ? (has_result ? decode_result(callback, *value) : "") : "failed";
    host_->record(std::move(event));
    size_t memory_size = vm_->memory().size();
    if (memory_size != last_memory_size_) {
      TraceEvent growth;
      growth.kind = EventKind::Memory;
      growth.name = "memory_grow";
      growth.args.push_back({"from_pages", std::to_string(last_memory_size_ / 65536)});
      growth.args.push_back({"to_pages", std::to_string(memory_size / 65536)});
      growth.context_id = context_id;
      growth.start_ns = env_.elapsed_ns();
      host_->record(std::move(growth));
    }
    last_memory_size_ = memory_size;
    const PauseVerdict verdict =
        pause_point(value ? PausePoint::Where::CallbackExit : PausePoint::Where::Trap, context_id);
    // An abort at the exit fails the stream as a trap in the callback would.
    if (verdict == PauseVerdict::Abort && value) {
      fail(name,
           VmError{
               VmFault::Terminated, "aborted by the user at the exit of " + std::string(name), {}});
      value.reset();
    }
  }
  return value;
}

void Plugin::count_call(Callback callback, uint32_t context_id, uint64_t call_start,
                        uint64_t instructions_before) {
  const uint64_t now = env_.elapsed_ns();
  const uint64_t ns = now - call_start;
  const auto index = static_cast<size_t>(callback);
  perf_->callback(index, ns);
  // Looked up after the call: a failure during it may have ended the stream.
  if (RequestTally* tally = host_->tally(context_id)) {
    tally->filter_ns += ns;
    if (counts_instructions_)
      tally->instructions += vm_->instructions_executed().value_or(0) - instructions_before;
  }
  perf_->memory(vm_->memory().size(), now, index);
}

PauseVerdict Plugin::pause_point(PausePoint::Where where, uint32_t context_id) {
  TraceSink* sink = env_.trace();
  if (!sink || !host_) return PauseVerdict::Go;
  PausePoint point;
  point.where = where;
  if (vm_) point.memory = vm_->memory();
  point.stream = host_->stream_of(context_id);
  point.context_id = context_id;
  point.plugin = config_.name;
  point.vm = vm_.get();
  return sink->pause_point(point);
}

std::optional<uint32_t> Plugin::call(Callback callback, uint32_t context_id,
                                     std::initializer_list<uint32_t> args) {
  std::array<Value, 8> values{};
  size_t count = 0;
  for (uint32_t a : args) values[count++] = Value::i32(a);
  // 0.1.0 headers callbacks have no end_of_stream argument.
  if (version_ == abi::AbiVersion::v0_1_0 &&
      (callback == Callback::OnRequestHeaders || callback == Callback::OnResponseHeaders) &&
      count == 3)
    count = 2;
  bool has_result = true;
  switch (callback) {
    case Callback::OnContextCreate:
    case Callback::OnTick:
    case Callback::OnQueueReady:
    case Callback::OnForeignFunction:
    case Callback::OnHttpCallResponse:
    case Callback::OnGrpcReceiveInitialMetadata:
    case Callback::OnGrpcReceive:
    case Callback::OnGrpcReceiveTrailingMetadata:
    case Callback::OnGrpcClose:
    case Callback::OnLog:
    case Callback::OnDelete:
      has_result = false;
      break;
    default:
      break;
  }
  return invoke(callback, context_id, std::span<const Value>(values.data(), count), has_result);
}

uint32_t Plugin::create_stream_context(HttpStreamState& stream, StreamControl& control) {
  if (failed()) return 0;
  uint32_t id = host_->create_stream_context(root_id_, stream, control);
  if (!call(Callback::OnContextCreate, id, {id, root_id_})) return 0;
  return id;
}

void Plugin::finish_stream_context(uint32_t context_id) {
  if (!failed()) call(Callback::OnLog, context_id, {context_id});
  if (!failed()) call(Callback::OnDone, context_id, {context_id});
  if (!failed()) call(Callback::OnDelete, context_id, {context_id});
  if (host_) host_->delete_context(context_id);
}

void Plugin::on_tick(uint32_t root_id) {
  call(Callback::OnTick, root_id, {root_id});
}

void Plugin::on_queue_ready(uint32_t root_id, uint32_t queue_id) {
  call(Callback::OnQueueReady, root_id, {root_id, queue_id});
}

void Plugin::on_http_call_response(uint32_t root_id, uint32_t token, uint32_t headers,
                                   uint32_t body_size, uint32_t trailers) {
  call(Callback::OnHttpCallResponse, root_id, {root_id, token, headers, body_size, trailers});
}

void Plugin::on_grpc_receive_initial_metadata(uint32_t root_id, uint32_t token, uint32_t count) {
  call(Callback::OnGrpcReceiveInitialMetadata, root_id, {root_id, token, count});
}

void Plugin::on_grpc_receive(uint32_t root_id, uint32_t token, uint32_t size) {
  call(Callback::OnGrpcReceive, root_id, {root_id, token, size});
}

void Plugin::on_grpc_receive_trailing_metadata(uint32_t root_id, uint32_t token, uint32_t count) {
  call(Callback::OnGrpcReceiveTrailingMetadata, root_id, {root_id, token, count});
}

void Plugin::on_grpc_close(uint32_t root_id, uint32_t token, uint32_t status) {
  call(Callback::OnGrpcClose, root_id, {root_id, token, status});
}

void Plugin::on_deferred_delete(uint32_t root_id) {
  call(Callback::OnDelete, root_id, {root_id});
  if (host_) host_->delete_context(root_id);
}

void Plugin::shutdown() {
  if (failed() || root_id_ == 0 || !host_ || !host_->has_context(root_id_)) return;
  auto done = call(Callback::OnDone, root_id_, {root_id_});
  if (done && *done == 0 && exports_callback(Callback::OnDone)) {
    host_->mark_pending_done(root_id_);
    return;
  }
  call(Callback::OnDelete, root_id_, {root_id_});
  host_->delete_context(root_id_);
}

}  // namespace pwplay::host
