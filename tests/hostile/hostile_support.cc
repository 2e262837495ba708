#include "hostile/hostile_support.h"

#include <cstdio>

#include "abi/pairs.h"
#include "support/wat.h"

namespace pwplay::hostile {
namespace {

std::string callout_headers() {
  const abi::HeaderPairs pairs = {{":method", "GET"}, {":path", "/"}, {":authority", "svc"}};
  const std::vector<uint8_t> bytes = abi::encode_pairs(pairs);
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

uint32_t callout_headers_size() {
  return static_cast<uint32_t>(callout_headers().size());
}

std::string wat_bytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 3);
  for (unsigned char c : bytes) {
    char escaped[4];
    std::snprintf(escaped, sizeof(escaped), "\\%02x", c);
    out += escaped;
  }
  return out;
}

std::string FilterWat::text() const {
  std::string memory = "(memory (export \"memory\") " + std::to_string(pages);
  if (!max_pages.empty()) memory += " " + max_pages;
  memory += ")";
  return R"((module
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (import "env" "proxy_add_header_map_value" (func $add (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_get_shared_data" (func $get_shared (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_set_shared_data" (func $set_shared (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_set_tick_period_milliseconds" (func $tick_every (param i32) (result i32)))
  (import "env" "proxy_http_call"
    (func $http_call (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_register_shared_queue" (func $register_queue (param i32 i32 i32) (result i32)))
  (import "env" "proxy_enqueue_shared_queue" (func $enqueue (param i32 i32 i32) (result i32)))
  (import "env" "proxy_get_header_map_pairs" (func $get_pairs (param i32 i32 i32) (result i32)))
  (import "env" "proxy_set_header_map_pairs" (func $set_pairs (param i32 i32 i32) (result i32)))
)" + imports +
         "\n  " + memory + R"(
  (data (i32.const 0) "hostile-once")
  (data (i32.const 32) "x-result")
  (data (i32.const 48) "x-status")
  (data (i32.const 96) "svc")
  (data (i32.const 112) ")" +
         wat_bytes(callout_headers()) + R"(")
  (data (i32.const 256) "q")
  (data (i32.const 272) "x")
  (global $heap (mut i32) (i32.const 8192))
  (global $hostile (mut i32) (i32.const 0))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_memory_allocate") (param $n i32) (result i32)
    (local $p i32)
    (if (global.get $hostile) (then )" +
         allocator_hostile + R"())
    (local.set $p (global.get $heap))
    (global.set $heap (i32.and (i32.add (i32.add (local.get $p) (local.get $n)) (i32.const 7))
                               (i32.const -8)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (global.get $heap)
                                                              (i32.mul (memory.size) (i32.const 65536)))
                                                     (i32.const 16))
                                          (i32.const 1)))
                    (i32.const -1))
          (then (return (i32.const 0))))))
    (local.get $p))
  (func $first (result i32)
    (if (i32.eq (call $get_shared (i32.const 0) (i32.const 12) (i32.const 512) (i32.const 516)
                                  (i32.const 520))
                (i32.const 1))
      (then
        (drop (call $set_shared (i32.const 0) (i32.const 12) (i32.const 272) (i32.const 1)
                                (i32.const 0)))
        (return (i32.const 1))))
    (i32.const 0))
  ;; The decimal text of $v at 64; returns its length.
  (func $itoa (param $v i32) (result i32)
    (local $u i32) (local $i i32) (local $len i32)
    (local.set $u (local.get $v))
    (if (i32.lt_s (local.get $v) (i32.const 0))
      (then
        (local.set $u (i32.sub (i32.const 0) (local.get $v)))
        (i32.store8 (i32.const 64) (i32.const 45))
        (local.set $len (i32.const 1))))
    (loop $digits
      (i32.store8 (i32.add (i32.const 80) (local.get $i))
                  (i32.add (i32.const 48) (i32.rem_u (local.get $u) (i32.const 10))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $u (i32.div_u (local.get $u) (i32.const 10)))
      (br_if $digits (local.get $u)))
    (loop $copy
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (i32.add (i32.const 64) (local.get $len))
                  (i32.load8_u (i32.add (i32.const 80) (local.get $i))))
      (local.set $len (i32.add (local.get $len) (i32.const 1)))
      (br_if $copy (local.get $i)))
    (local.get $len))
  (func $report (param $name i32) (param $len i32) (param $value i32)
    (drop (call $add (i32.const 0) (local.get $name) (local.get $len) (i32.const 64)
                     (call $itoa (local.get $value)))))
)" + body +
         "\n)\n";
}

Harness::Harness(host::HostEnvOptions options) : env_(dispatcher_, callouts_, std::move(options)) {
  env_.set_trace_sink(&trace_);
  env_.set_log_handler([this](const host::LogRecord& record) { logs_.push_back(record); });
}

Harness::~Harness() {
  chain_.reset();
}

host::PluginConfig Harness::config(const std::string& engine, bool fail_open) const {
  host::PluginConfig config;
  config.name = "hostile";
  config.engine = engine;
  config.fail_open = fail_open;
  config.vm_options.runaway_budget_ms = kBudgetMs;
  return config;
}

Result<void> Harness::load(const std::string& wat, const host::PluginConfig& config) {
  const std::vector<uint8_t> wasm = test::wat_to_wasm(wat);
  auto plugin = host::Plugin::create(env_, config, wasm);
  if (!plugin) return unexpected(plugin.error());
  plugin_ = plugin->get();
  chain_ = std::make_unique<host::FilterChain>(env_);
  chain_->add(std::move(*plugin));
  return {};
}

host::RunReport Harness::request(const host::RequestSpec& request) {
  EXPECT_TRUE(chain_ != nullptr) << "no plugin loaded";
  if (!chain_) return {};
  const auto start = std::chrono::steady_clock::now();
  host::RunReport report = host::run_request(*chain_, dispatcher_, request, host::UpstreamSpec{});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(report.stalled) << "the stream stalled: " << report.stall_reason;
  EXPECT_LT(took, kCaseBound) << "the request took "
                              << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                              << " ms";
  return report;
}

void Harness::run_for(std::chrono::milliseconds virtual_time) {
  dispatcher_.run_until([] { return false; }, virtual_time);
}

bool Harness::logged(std::initializer_list<std::string_view> parts) const {
  for (const host::LogRecord& record : logs_) {
    bool all = true;
    for (std::string_view part : parts) all = all && record.message.find(part) != std::string::npos;
    if (all) return true;
  }
  return false;
}

std::string Harness::host_call_result(std::string_view name) const {
  for (const host::TraceEvent& event : trace_.events())
    if (event.kind == host::EventKind::HostCall && event.name == name) return event.result;
  return "";
}

std::vector<std::string> Harness::host_call_results(std::string_view name) const {
  std::vector<std::string> results;
  for (const host::TraceEvent& event : trace_.events())
    if (event.kind == host::EventKind::HostCall && event.name == name)
      results.push_back(event.result);
  return results;
}

bool Harness::trapped_in(std::string_view callback) const {
  for (const host::TraceEvent& event : trace_.events()) {
    if (event.kind != host::EventKind::Trap) continue;
    for (const host::TraceField& field : event.args)
      if (field.name == "callback" && field.value == callback) return true;
  }
  return false;
}

std::string upstream_header(const host::RunReport& report, std::string_view name) {
  if (!report.upstream_request) return "<absent>";
  for (const auto& [key, value] : report.upstream_request->headers)
    if (key == name) return value;
  return "<absent>";
}

uint32_t status_of(const host::RunReport& report) {
  return report.response ? report.response->status : 0;
}

}  // namespace pwplay::hostile
