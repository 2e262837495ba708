// The native engine: native filters' symbols, loading, host functions through 64-bit pointers,
// and one copy of the filter per plugin.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "abi/functions.h"
#include "debugger/formats/request_file.h"
#include "debugger/runner.h"
#include "host/engines/native/elf_symbols.h"
#include "host/engines/native/native_vm.h"
#include "host/filter_chain.h"
#include "host/local_run.h"
#include "host/plugin.h"
#include "host/vm.h"

namespace pwplay::host {
namespace {

std::string native_sample(const std::string& name) {
  return std::string(PWPLAY_SAMPLES_DIR) + "/native/" + name + ".so";
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)), {});
}

std::unique_ptr<Vm> native_vm() {
  Result<std::unique_ptr<Vm>> vm = create_vm("native", {});
  EXPECT_TRUE(vm) << vm.error().message;
  return vm ? std::move(*vm) : nullptr;
}

const ImportDesc* find_import(const std::vector<ImportDesc>& imports, std::string_view name) {
  for (const ImportDesc& import : imports)
    if (import.name == name) return &import;
  return nullptr;
}

const ExportDesc* find_export(const std::vector<ExportDesc>& exports, std::string_view name) {
  for (const ExportDesc& e : exports)
    if (e.name == name) return &e;
  return nullptr;
}

TEST(NativeVmTest, TheExecutableExportsEveryHostFunctionItDefines) {
  std::ifstream list(std::string(PWPLAY_SOURCE_DIR) + "/host/engines/native/host_symbols.list");
  ASSERT_TRUE(list);
  std::stringstream text;
  text << list.rdbuf();
  // Entries look like "  proxy_log;".
  std::set<std::string> listed;
  std::string line;
  while (std::getline(text, line)) {
    auto begin = line.find("proxy_");
    auto end = line.find(';');
    if (begin != std::string::npos && end != std::string::npos)
      listed.insert(line.substr(begin, end - begin));
  }
  std::set<std::string> defined;
  for (std::string_view name : native_host_function_names()) {
    defined.emplace(name);
    const abi::HostFunctionSpec* spec = abi::find_host_function(name);
    ASSERT_TRUE(spec) << name;
    EXPECT_TRUE(abi::has_version(spec->versions, abi::AbiVersion::v0_2_1)) << name;
  }
  EXPECT_EQ(listed, defined);
}

TEST(NativeVmTest, ReadsImportsAndExportsFromTheSharedObject) {
  const std::vector<uint8_t> so = read_file(native_sample("add_header"));
  ASSERT_FALSE(so.empty()) << "build the samples first";
  std::unique_ptr<Vm> vm = native_vm();
  ASSERT_TRUE(vm);
  EXPECT_EQ(vm->engine_name(), "native");
  EXPECT_EQ(vm->engine_version().rfind("glibc ", 0), 0u) << vm->engine_version();
  EXPECT_FALSE(vm->supports_stepping());
  ASSERT_TRUE(vm->load(so));

  const std::vector<ImportDesc> imports = vm->imports();
  const ImportDesc* add = find_import(imports, "proxy_add_header_map_value");
  ASSERT_TRUE(add);
  EXPECT_EQ(add->module, "env");
  EXPECT_EQ(add->type, (FuncType{std::vector<ValType>(5, ValType::I32), {ValType::I32}}));
  EXPECT_TRUE(find_import(imports, "proxy_log"));
  EXPECT_FALSE(find_import(imports, "malloc")) << "libc's, not the host's";

  const std::vector<ExportDesc> exports = vm->exports();
  EXPECT_TRUE(find_export(exports, "proxy_abi_version_0_2_1"));
  const ExportDesc* headers = find_export(exports, "proxy_on_request_headers");
  ASSERT_TRUE(headers);
  EXPECT_EQ(headers->type, (FuncType{std::vector<ValType>(3, ValType::I32), {ValType::I32}}));
  EXPECT_TRUE(find_export(exports, "proxy_on_memory_allocate"));
  for (const ExportDesc& e : exports) EXPECT_TRUE(abi::is_abi_export(e.name)) << e.name;
}

TEST(NativeVmTest, RejectsWasmModulesAndMalformedFiles) {
  std::unique_ptr<Vm> vm = native_vm();
  const std::vector<uint8_t> wasm = read_file(std::string(PWPLAY_SAMPLES_DIR) + "/add_header.wasm");
  Result<void> loaded = vm->load(wasm);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("this is a wasm module"), std::string::npos);

  const std::vector<uint8_t> garbage = {'n', 'o', 't', ' ', 'e', 'l', 'f'};
  loaded = native_vm()->load(garbage);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message, "invalid native filter: not an ELF shared object");

  // No prefix of a real shared object crashes the reader; without a whole ELF header it is an
  // error. (Longer prefixes may still hold the symbol table.)
  const std::vector<uint8_t> so = read_file(native_sample("add_header"));
  for (size_t size = 0; size < so.size(); size += size < 4096 ? 1 : 97) {
    Result<native::ElfSymbols> symbols =
        native::read_elf_symbols(std::span<const uint8_t>(so.data(), size));
    if (size < 64) {
      EXPECT_FALSE(symbols) << size;
    }
  }
  // A truncated file that still reads fails cleanly when the loader maps it.
  std::unique_ptr<Vm> truncated = native_vm();
  const std::vector<uint8_t> half(so.begin(), so.begin() + so.size() / 2);
  if (truncated->load(half)) {
    Result<void> linked = truncated->link([](const ImportDesc&) -> std::optional<HostFunction> {
      return HostFunction([](std::span<const Value>, std::span<Value>) {
        return std::optional<HostTrapRequest>();
      });
    });
    ASSERT_FALSE(linked);
    EXPECT_NE(linked.error().message.find("cannot load the native filter"), std::string::npos)
        << linked.error().message;
  }
}

TEST(NativeVmTest, AddressesAreHostAddresses) {
  std::unique_ptr<Vm> vm = native_vm();
  EXPECT_EQ(vm->pointer_size(), 8u);
  EXPECT_TRUE(vm->memory().empty());
  char buffer[8] = "abc";
  EXPECT_EQ(vm->translate(reinterpret_cast<uintptr_t>(buffer), sizeof buffer),
            reinterpret_cast<uint8_t*>(buffer));
  EXPECT_EQ(vm->translate(0, 4), nullptr) << "a null pointer";
  EXPECT_NE(vm->translate(0, 0), nullptr) << "an empty string may have no data";
  vm->terminate();  // nothing to stop; never crashes
}

TEST(NativeVmTest, RunsTheAddHeaderFilterLikeItsWasmBuild) {
  auto request =
      debugger::load_request_file(std::string(PWPLAY_SOURCE_DIR) + "/samples/requests/get.json");
  ASSERT_TRUE(request) << request.error().message;
  debugger::PluginSpec options;
  options.wasm_path = native_sample("add_header");
  options.engine = "native";
  auto result = debugger::run_once(options, *request);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->engine, "native");
  ASSERT_TRUE(result->report.upstream_request);
  bool found = false;
  for (const auto& [name, value] : result->report.upstream_request->headers)
    found = found || (name == "x-wasm-filter" && value == "add-header");
  EXPECT_TRUE(found);
  ASSERT_FALSE(result->logs.empty());
  EXPECT_EQ(result->logs[0].message, "add-header: GET /hello");

  // Without --engine native, a shared object is refused with a hint.
  options.engine.clear();  // the default engine
  auto refused = debugger::run_once(options, *request);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("--engine native"), std::string::npos);
}

TEST(NativeVmTest, EachPluginGetsItsOwnCopyOfTheFilter) {
  const std::vector<uint8_t> so = read_file(std::string(PWPLAY_TEST_NATIVE_DIR) + "/counter.so");
  ASSERT_FALSE(so.empty());
  SimulatedDispatcher dispatcher;
  MockCalloutClient callouts(dispatcher);
  HostEnv env(dispatcher, callouts);
  FilterChain chain(env);
  for (const char* name : {"first", "second"}) {
    PluginConfig config;
    config.name = name;
    config.engine = "native";
    auto plugin = Plugin::create(env, config, so);
    ASSERT_TRUE(plugin) << plugin.error().message;
    chain.add(std::move(*plugin));
  }
  RequestSpec request;
  request.path = "/count";
  auto counts = [&] {
    RunReport report = run_request(chain, dispatcher, request, UpstreamSpec{});
    std::vector<std::string> values;
    if (report.upstream_request) {
      for (const auto& [name, value] : report.upstream_request->headers)
        if (name == "x-count") values.push_back(value);
    }
    return values;
  };
  // A shared copy would count 1 then 2 within one request.
  EXPECT_EQ(counts(), (std::vector<std::string>{"1", "1"}));
  EXPECT_EQ(counts(), (std::vector<std::string>{"2", "2"}));
}

}  // namespace
}  // namespace pwplay::host
