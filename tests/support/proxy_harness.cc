#include "support/proxy_harness.h"

#include <gtest/gtest.h>
#include <wabt/binary-writer.h>
#include <wabt/error-formatter.h>
#include <wabt/feature.h>
#include <wabt/ir.h>
#include <wabt/resolve-names.h>
#include <wabt/stream.h>
#include <wabt/validator.h>
#include <wabt/wast-lexer.h>
#include <wabt/wast-parser.h>

#include <fstream>
#include <iterator>

#include "host/wasm_instructions.h"
#include "support/cli.h"

namespace pwplay::testing {
namespace {

std::vector<uint8_t> compile_wat(const std::string& name, const std::string& text) {
  const wabt::Features features = host::wasm_features();
  wabt::Errors errors;
  auto lexer = wabt::WastLexer::CreateBufferLexer(name + ".wat", text.data(), text.size(), &errors);
  std::unique_ptr<wabt::Module> module;
  wabt::WastParseOptions parse_options(features);
  if (wabt::Failed(wabt::ParseWatModule(lexer.get(), &module, &errors, &parse_options)) ||
      wabt::Failed(wabt::ResolveNamesModule(module.get(), &errors)) ||
      wabt::Failed(wabt::ValidateModule(module.get(), &errors, wabt::ValidateOptions(features)))) {
    auto lines = lexer->MakeLineFinder();
    ADD_FAILURE() << name << ": "
                  << wabt::FormatErrorsToString(errors, wabt::Location::Type::Text, lines.get());
    return {};
  }
  wabt::MemoryStream stream;
  wabt::WriteBinaryOptions options(features, true, false, true);
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, module.get(), options))) return {};
  return std::move(stream.output_buffer().data);
}

}  // namespace

// Shared prologue: memory, a bump allocator, the ABI marker and the lifecycle callbacks.
#define PWPLAY_WAT_PROLOGUE                                                              \
  "  (memory (export \"memory\") 1)\n"                                                   \
  "  (global $heap (mut i32) (i32.const 8192))\n"                                        \
  "  (func (export \"malloc\") (param $size i32) (result i32) (local $p i32)\n"          \
  "    (local.set $p (global.get $heap))\n"                                              \
  "    (global.set $heap (i32.and (i32.add (i32.add (local.get $p) (local.get $size))\n" \
  "      (i32.const 7)) (i32.const -8)))\n"                                              \
  "    (if (i32.gt_u (global.get $heap) (i32.shl (memory.size) (i32.const 16)))\n"       \
  "      (then (drop (memory.grow (i32.const 16)))))\n"                                  \
  "    (local.get $p))\n"                                                                \
  "  (func (export \"proxy_abi_version_0_2_1\"))\n"                                      \
  "  (func (export \"proxy_on_context_create\") (param i32 i32))\n"                      \
  "  (func (export \"proxy_on_vm_start\") (param i32 i32) (result i32) (i32.const 1))\n" \
  "  (func (export \"proxy_on_done\") (param i32) (result i32) (i32.const 1))\n"

const char* const kTickResumeFilter =
    "(module\n"
    "  (import \"env\" \"proxy_set_tick_period_milliseconds\" (func $tick (param i32) (result "
    "i32)))\n"
    "  (import \"env\" \"proxy_set_effective_context\" (func $effective (param i32) (result "
    "i32)))\n"
    "  (import \"env\" \"proxy_continue_stream\" (func $continue (param i32) (result i32)))\n"
    "  (import \"env\" \"proxy_add_header_map_value\"\n"
    "    (func $add (param i32 i32 i32 i32 i32) (result i32)))\n" PWPLAY_WAT_PROLOGUE
    "  (data (i32.const 1024) \"x-resumed-by\")\n"
    "  (data (i32.const 1040) \"tick\")\n"
    "  (global $paused (mut i32) (i32.const 0))\n"
    "  (func (export \"proxy_on_configure\") (param i32 i32) (result i32)\n"
    "    (drop (call $tick (i32.const 20))) (i32.const 1))\n"
    "  (func (export \"proxy_on_request_headers\") (param $id i32) (param i32 i32) (result i32)\n"
    "    (global.set $paused (local.get $id)) (i32.const 1))\n"
    "  (func (export \"proxy_on_tick\") (param i32)\n"
    "    (if (i32.eqz (global.get $paused)) (then (return)))\n"
    "    (drop (call $effective (global.get $paused)))\n"
    "    (drop (call $add (i32.const 0) (i32.const 1024) (i32.const 12) (i32.const 1040) "
    "(i32.const 4)))\n"
    "    (drop (call $continue (i32.const 0)))\n"
    "    (global.set $paused (i32.const 0)))\n"
    "  (func (export \"proxy_on_delete\") (param $id i32)\n"
    "    (if (i32.eq (local.get $id) (global.get $paused)) (then (global.set $paused (i32.const "
    "0)))))\n"
    ")\n";

const char* const kBodyPassFilter =
    "(module\n" PWPLAY_WAT_PROLOGUE
    "  (func (export \"proxy_on_configure\") (param i32 i32) (result i32) (i32.const 1))\n"
    "  (func (export \"proxy_on_request_headers\") (param i32 i32 i32) (result i32) (i32.const "
    "0))\n"
    "  (func (export \"proxy_on_request_body\") (param i32 i32 i32) (result i32) (i32.const 0))\n"
    ")\n";

const char* const kQueueProducerFilter =
    "(module\n"
    "  (import \"env\" \"proxy_resolve_shared_queue\"\n"
    "    (func $resolve (param i32 i32 i32 i32 i32) (result i32)))\n"
    "  (import \"env\" \"proxy_enqueue_shared_queue\" (func $enqueue (param i32 i32 i32) (result "
    "i32)))\n"
    "  (import \"env\" \"proxy_get_header_map_value\"\n"
    "    (func $get (param i32 i32 i32 i32 i32) (result i32)))\n" PWPLAY_WAT_PROLOGUE
    "  (data (i32.const 1024) \"jobs\")\n"
    "  (data (i32.const 1040) \":path\")\n"
    "  (func (export \"proxy_on_configure\") (param i32 i32) (result i32) (i32.const 1))\n"
    "  (func (export \"proxy_on_request_headers\") (param i32 i32 i32) (result i32)\n"
    "    ;; queue id at 2048, path pointer and size at 2052 / 2056\n"
    "    (if (i32.eqz (call $resolve (i32.const 0) (i32.const 0) (i32.const 1024) (i32.const 4)\n"
    "                                (i32.const 2048)))\n"
    "      (then\n"
    "        (drop (call $get (i32.const 0) (i32.const 1040) (i32.const 5) (i32.const 2052)\n"
    "                         (i32.const 2056)))\n"
    "        (drop (call $enqueue (i32.load (i32.const 2048)) (i32.load (i32.const 2052))\n"
    "                             (i32.load (i32.const 2056))))))\n"
    "    (i32.const 0))\n"
    ")\n";

const char* const kQueueConsumerFilter =
    "(module\n"
    "  (import \"env\" \"proxy_register_shared_queue\"\n"
    "    (func $register (param i32 i32 i32) (result i32)))\n"
    "  (import \"env\" \"proxy_dequeue_shared_queue\" (func $dequeue (param i32 i32 i32) (result "
    "i32)))\n"
    "  (import \"env\" \"proxy_log\" (func $log (param i32 i32 i32) (result "
    "i32)))\n" PWPLAY_WAT_PROLOGUE
    "  (data (i32.const 1024) \"jobs\")\n"
    "  (data (i32.const 1040) \"consumer got \")\n"
    "  (func (export \"proxy_on_configure\") (param i32 i32) (result i32)\n"
    "    (drop (call $register (i32.const 1024) (i32.const 4) (i32.const 2048))) (i32.const 1))\n"
    "  (func (export \"proxy_on_queue_ready\") (param i32) (param $queue i32)\n"
    "    (local $size i32)\n"
    "    (if (i32.ne (call $dequeue (local.get $queue) (i32.const 2052) (i32.const 2056))\n"
    "                (i32.const 0)) (then (return)))\n"
    "    ;; \"consumer got \" (13 bytes) followed by the item, built at 4096.\n"
    "    (local.set $size (i32.load (i32.const 2056)))\n"
    "    (memory.copy (i32.const 4096) (i32.const 1040) (i32.const 13))\n"
    "    (memory.copy (i32.const 4109) (i32.load (i32.const 2052)) (local.get $size))\n"
    "    (drop (call $log (i32.const 2) (i32.const 4096) (i32.add (local.get $size) (i32.const "
    "13)))))\n"
    ")\n";

host::proxy::LoadedPlugin sample_plugin(const std::string& name, const std::string& configuration,
                                        const std::string& vm_id) {
  host::proxy::LoadedPlugin spec;
  std::string path = sample(name);
  std::ifstream in(path, std::ios::binary);
  spec.wasm.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (spec.wasm.empty()) ADD_FAILURE() << "sample not built: " << path;
  spec.config.name = name;
  spec.config.wasm_path = path;
  spec.config.configuration = configuration;
  spec.config.vm_id = vm_id;
  return spec;
}

host::proxy::LoadedPlugin wat_plugin(const std::string& name, const std::string& wat) {
  host::proxy::LoadedPlugin spec;
  spec.wasm = compile_wat(name, wat);
  spec.config.name = name;
  return spec;
}

host::proxy::ProxyOptions to_upstream(uint16_t port,
                                      std::vector<host::proxy::LoadedPlugin> plugins) {
  host::proxy::ProxyOptions options;
  options.upstream = host::proxy::UpstreamConfig::remote_at({"127.0.0.1", port});
  options.plugins = std::move(plugins);
  return options;
}

TestProxy::TestProxy(host::proxy::ProxyOptions options) {
  proxy_.subscribe([this](const host::proxy::StreamRecord& record) {
    std::lock_guard<std::mutex> lock(mutex_);
    records_.push_back(record);
    arrived_.notify_all();
  });
  auto started = proxy_.start(std::move(options));
  if (!started) error_ = started.error().message;
}

TestProxy::~TestProxy() {
  proxy_.stop();
}

std::vector<host::proxy::StreamRecord> TestProxy::wait_records(size_t count,
                                                               std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  arrived_.wait_for(lock, timeout, [&] { return records_.size() >= count; });
  return records_;
}

std::vector<host::proxy::StreamRecord> TestProxy::records() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return records_;
}

std::vector<std::string> callbacks_entered(const host::proxy::StreamRecord& record,
                                           const std::string& plugin) {
  std::vector<std::string> out;
  for (const auto& event : record.trace)
    if (event.kind == host::EventKind::Callback && event.phase == "enter" &&
        (plugin.empty() || event.plugin == plugin))
      out.push_back(event.name);
  return out;
}

size_t count_callbacks(const host::proxy::StreamRecord& record, const std::string& name) {
  size_t count = 0;
  for (const auto& event : record.trace)
    if (event.kind == host::EventKind::Callback && event.phase == "enter" && event.name == name)
      ++count;
  return count;
}

std::string view_header(const host::MessageView& view, const std::string& name) {
  for (const auto& [key, value] : view.headers)
    if (key == name) return value;
  return "<absent>";
}

std::string view_headers(const host::MessageView& view, const std::string& name) {
  std::string out;
  for (const auto& [key, value] : view.headers)
    if (key == name) out += (out.empty() ? "" : "|") + value;
  return out.empty() ? "<absent>" : out;
}

}  // namespace pwplay::testing
