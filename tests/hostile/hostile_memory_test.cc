// The hostile-filter suite, memory: every host function of the ABI table called with wrapping
// and near-4-GiB pointers and sizes, header-pairs buffers whose counts and lengths lie, and
// allocators that return 0, an address outside memory, trap, or call host functions; on every
// built wasm engine. The table drives the cases, so a new host function is covered as it is added.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "abi/functions.h"
#include "hostile/hostile_support.h"
#include "support/engines.h"

namespace pwplay::hostile {
namespace {

class HostileMemory : public ::testing::TestWithParam<std::string> {
 protected:
  const std::string& engine() const { return GetParam(); }
};

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> parts;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    parts.emplace_back(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return parts;
}

enum class Role { Scalar, Pointer, Size };

// Pointers are the parameters followed by their "<name>_size"/"<name>_len", and the "ret_" ones.
std::vector<Role> roles_of(const abi::HostFunctionSpec& spec) {
  const std::vector<std::string> names = split(spec.param_names);
  std::vector<Role> roles(names.size(), Role::Scalar);
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    if (name.starts_with("ret_")) roles[i] = Role::Pointer;
    if (i + 1 < names.size() && (names[i + 1] == name + "_size" || names[i + 1] == name + "_len")) {
      roles[i] = Role::Pointer;
      roles[i + 1] = Role::Size;
    }
  }
  return roles;
}

bool is_success(const std::string& result) {
  return result == "OK" || result == "errno 0" || result == "0";
}

struct Variant {
  const char* name;
  uint32_t pointer;      // for pointer+size pairs
  uint32_t size;         // their sizes
  uint32_t ret_pointer;  // for "ret_" pointers
};

// Wrapping: pointer + size past 4 GiB. Huge: an in-bounds pointer with a size near 4 GiB.
constexpr Variant kVariants[] = {
    {"wrapping", 0xFFFFFFF0u, 0x20u, 0xFFFFFFF0u},
    {"near 4 GiB", 1024u, 0xFFFFFFF0u, 2048u},
};

TEST_P(HostileMemory, EveryHostFunctionRefusesHostilePointersAndSizes) {
  size_t covered = 0;
  std::string refused_table;
  for (const abi::HostFunctionSpec& spec : abi::host_functions()) {
    if (!abi::has_version(spec.versions, abi::AbiVersion::v0_2_1)) continue;
    const std::vector<Role> roles = roles_of(spec);
    ASSERT_EQ(roles.size(), spec.signature.params.size()) << spec.name;
    for (const Variant& variant : kVariants) {
      SCOPED_TRACE(std::string(spec.name) + ", " + variant.name);
      std::string params;
      std::string args;
      bool has_pair = false;
      bool has_pointer = false;
      for (size_t i = 0; i < roles.size(); ++i) {
        const bool wide = spec.signature.params[i] == 'I';
        params += wide ? " i64" : " i32";
        uint32_t value = 0;
        if (roles[i] == Role::Size) {
          value = variant.size;
          has_pair = true;
        } else if (roles[i] == Role::Pointer) {
          const bool paired = i + 1 < roles.size() && roles[i + 1] == Role::Size;
          value = paired ? variant.pointer : variant.ret_pointer;
          has_pointer = true;
        }
        args += std::string(wide ? " (i64.const " : " (i32.const ") +
                std::to_string(static_cast<int32_t>(value)) + ")";
      }
      const bool has_result = !spec.signature.results.empty();
      const char* import_module =
          spec.module == abi::ImportModule::Env ? "env" : "wasi_snapshot_preview1";
      FilterWat wat;
      wat.imports = std::string("  (import \"") + import_module + "\" \"" + std::string(spec.name) +
                    "\" (func $target (param" + params + ")" + (has_result ? " (result i32)" : "") +
                    "))\n";
      std::string call = "(call $target" + args + ")";
      if (has_result) call = "(drop " + call + ")";
      wat.body = R"(
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (if (call $first) (then )" +
                 call + R"())
    (i32.const 0)))";
      Harness harness;
      host::PluginConfig config = harness.config(engine());
      config.environment = {{"HOSTILE", "1"}};  // so that environ_get has something to write
      ASSERT_TRUE(harness.load(wat, config));
      host::RunReport first = harness.request();
      // The last call of the first request is the case's own (the skeleton's $first may call
      // the shared-data functions before it).
      const std::vector<std::string> results = harness.host_call_results(spec.name);
      const std::string result = results.empty() ? std::string() : results.back();
      if (has_result) {
        EXPECT_FALSE(result.empty()) << "no trace of the call";
      }
      // Wrapping pointers must be refused by every function that takes one; near-4-GiB sizes
      // by every function that reads or writes a pointer+size pair.
      // Stubs that write nothing need not look at their pointers: fd_seek (as
      // proxy-wasm-cpp-host: logs and succeeds), args_get (a filter has no arguments).
      const bool writes_nothing = spec.name == "fd_seek" || spec.name == "args_get";
      const bool must_refuse =
          !writes_nothing && (variant.pointer == 0xFFFFFFF0u ? has_pointer : has_pair);
      if (must_refuse) {
        EXPECT_FALSE(is_success(result)) << spec.name << " accepted a hostile pointer or size";
        refused_table += std::string(spec.name) + " (" + variant.name + "): " + result + "\n";
      }
      // Whatever the call did, the stream ended and the next request is served normally.
      EXPECT_FALSE(first.stalled);
      host::RunReport second = harness.request();
      EXPECT_EQ(status_of(second), 200u) << "a normal request after " << spec.name;
      ++covered;
    }
  }
  EXPECT_GT(covered, 80u);
  RecordProperty("refused", refused_table);
}

// proxy_set_header_map_pairs with buffers whose counts and lengths do not match their size.
TEST_P(HostileMemory, HeaderPairsBuffersThatLieAreRefused) {
  struct Case {
    const char* name;
    std::string bytes;
    uint32_t size;  // the size passed with the buffer
  };
  auto u32 = [](uint32_t v) {
    std::string out(4, '\0');
    for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    return out;
  };
  const Case cases[] = {
      {"a count of 2^28 in 12 bytes", u32(0x10000000) + u32(1) + u32(1), 12},
      {"a name length near 4 GiB", u32(1) + u32(0xFFFFFFF0u) + u32(1) + std::string("a\0b\0", 4),
       16},
      {"a value length past the buffer", u32(1) + u32(1) + u32(100) + std::string("a\0b\0", 4), 16},
      {"a size near 4 GiB", u32(1) + u32(1) + u32(1) + std::string("a\0b\0", 4), 0xFFFFFFF0u},
      {"a count of zero with a tail", u32(0) + "garbage", 11},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FilterWat wat;
    wat.body = "\n  (data (i32.const 1024) \"" + wat_bytes(c.bytes) + "\")" + R"(
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (if (call $first)
      (then
        (call $report (i32.const 48) (i32.const 8)
          (call $set_pairs (i32.const 0) (i32.const 1024) (i32.const )" +
               std::to_string(static_cast<int32_t>(c.size)) + R"()))))
    (i32.const 0)))";
    Harness harness;
    ASSERT_TRUE(harness.load(wat, harness.config(engine())));
    host::RunReport report = harness.request();
    const std::string status = upstream_header(report, "x-status");
    if (std::string_view(c.name) == "a count of zero with a tail") {
      // Zero pairs: the headers are cleared (Envoy accepts it), or the tail is refused.
      EXPECT_NE(status, "<absent>");
    } else {
      EXPECT_NE(status, "0") << "the lying buffer was accepted";
      EXPECT_NE(status, "<absent>");
      EXPECT_EQ(status_of(report), 200u);
    }
    EXPECT_NE(harness.host_call_result("proxy_set_header_map_pairs"), "OK");
    EXPECT_EQ(status_of(harness.request()), 200u);
  }
}

// The allocator misbehaves while the host hands the filter data (proxy_get_header_map_pairs).
TEST_P(HostileMemory, HostileAllocatorsAreSurvived) {
  struct Case {
    const char* name;
    const char* allocator;
    bool fails_vm;
    const char* message;  // in the failure, when the VM fails
  };
  const Case cases[] = {
      {"returns 0", "(return (i32.const 0))", false, ""},
      {"returns an address outside memory", "(return (i32.const 0x7ffffff0))", false, ""},
      {"returns the last bytes of the address space", "(return (i32.const -8))", false, ""},
      {"traps", "(unreachable)", true, "malloc"},
      {"calls a host function it may not",
       "(drop (call $add (i32.const 0) (i32.const 32) (i32.const 8) (i32.const 48) "
       "(i32.const 8)))",
       true, "proxy_add_header_map_value"},
      {"loops", "(loop $forever (br $forever))", true, "runaway budget"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FilterWat wat;
    wat.allocator_hostile = c.allocator;
    wat.body = R"(
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (local $s i32)
    (if (call $first)
      (then
        (global.set $hostile (i32.const 1))
        (local.set $s (call $get_pairs (i32.const 0) (i32.const 524) (i32.const 528)))
        (global.set $hostile (i32.const 0))
        (call $report (i32.const 48) (i32.const 8) (local.get $s))))
    (i32.const 0)))";
    Harness harness;
    ASSERT_TRUE(harness.load(wat, harness.config(engine())));
    const auto start = std::chrono::steady_clock::now();
    host::RunReport report = harness.request();
    EXPECT_LT(std::chrono::steady_clock::now() - start, kCaseBound);
    EXPECT_NE(harness.host_call_result("proxy_get_header_map_pairs"), "OK");
    if (c.fails_vm) {
      ASSERT_TRUE(harness.plugin().failed());
      EXPECT_TRUE(harness.trapped_in("malloc"));
      EXPECT_NE(harness.plugin().failure()->message.find(c.message), std::string::npos)
          << harness.plugin().failure()->message;
      EXPECT_EQ(status_of(report), 503u);  // fail closed
    } else {
      EXPECT_FALSE(harness.plugin().failed());
      EXPECT_EQ(status_of(report), 200u);
      EXPECT_NE(upstream_header(report, "x-status"), "0");
    }
    EXPECT_EQ(status_of(harness.request()), 200u);
  }
}

TEST_P(HostileMemory, HostCallsDuringStartUpThatAreNotAllowedFailTheLoad) {
  FilterWat wat;
  wat.body = R"(
  (func (export "_initialize")
    (drop (call $add (i32.const 0) (i32.const 32) (i32.const 8) (i32.const 48) (i32.const 8)))))";
  Harness harness;
  Result<void> loaded = harness.load(wat, harness.config(engine()));
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("proxy_add_header_map_value"), std::string::npos)
      << loaded.error().message;
  EXPECT_NE(loaded.error().message.find("_initialize"), std::string::npos)
      << loaded.error().message;
}

INSTANTIATE_TEST_SUITE_P(Engines, HostileMemory, ::testing::ValuesIn(test::built_wasm_engines()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace pwplay::hostile
