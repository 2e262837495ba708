#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "abi/enums.h"
#include "abi/functions.h"
#include "support/mentions.h"

namespace pwplay::abi {
namespace {

Result<AbiVersion> detect(std::vector<std::string_view> names) {
  return detect_abi_version_from(names);
}

size_t count_params(std::string_view names) {
  if (names.empty()) return 0;
  return static_cast<size_t>(std::count(names.begin(), names.end(), ',')) + 1;
}

// --- Version detection -------------------------------------------------------------------------

TEST(AbiVersionDetectionTest, RecognisesEachMarker) {
  auto v010 = detect({"memory", "proxy_abi_version_0_1_0", "proxy_on_tick"});
  ASSERT_TRUE(v010.ok()) << v010.error().message;
  EXPECT_EQ(*v010, AbiVersion::v0_1_0);
  auto v020 = detect({"proxy_on_vm_start", "proxy_abi_version_0_2_0"});
  ASSERT_TRUE(v020.ok()) << v020.error().message;
  EXPECT_EQ(*v020, AbiVersion::v0_2_0);
  auto v021 = detect({"proxy_abi_version_0_2_1", "malloc"});
  ASSERT_TRUE(v021.ok()) << v021.error().message;
  EXPECT_EQ(*v021, AbiVersion::v0_2_1);
}

TEST(AbiVersionDetectionTest, NoMarkerSaysMissing) {
  auto result = detect({"memory", "malloc", "proxy_on_request_headers"});
  ASSERT_FALSE(result.ok());
  EXPECT_MENTIONS(result.error().message, "missing");
  EXPECT_MENTIONS(result.error().message, "proxy_abi_version_0_2_1");
}

TEST(AbiVersionDetectionTest, EmptyExportListSaysMissing) {
  auto result = detect({});
  ASSERT_FALSE(result.ok());
  EXPECT_MENTIONS(result.error().message, "missing");
}

TEST(AbiVersionDetectionTest, UnknownMarkerIsNamed) {
  auto result = detect({"memory", "proxy_abi_mosn_version_0_2_0"});
  ASSERT_FALSE(result.ok());
  EXPECT_MENTIONS(result.error().message, "unknown");
  EXPECT_MENTIONS(result.error().message, "proxy_abi_mosn_version_0_2_0");
}

TEST(AbiVersionDetectionTest, VNextMarkerIsRejected) {
  auto result = detect({"proxy_abi_version_0_x_x"});
  ASSERT_FALSE(result.ok());
  EXPECT_MENTIONS(result.error().message, "proxy_abi_version_0_x_x");
}

TEST(AbiVersionDetectionTest, FirstKnownMarkerInExportOrderWins) {
  auto newer_first = detect({"proxy_abi_version_0_2_0", "proxy_abi_version_0_1_0"});
  ASSERT_TRUE(newer_first.ok());
  EXPECT_EQ(*newer_first, AbiVersion::v0_2_0);
  auto older_first = detect({"proxy_abi_version_0_1_0", "proxy_abi_version_0_2_1"});
  ASSERT_TRUE(older_first.ok());
  EXPECT_EQ(*older_first, AbiVersion::v0_1_0);
}

TEST(AbiVersionDetectionTest, UnknownMarkerBeforeAKnownOneDoesNotMatter) {
  auto result = detect({"proxy_abi_mosn_version_0_2_0", "proxy_abi_version_0_2_1"});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, AbiVersion::v0_2_1);
}

TEST(AbiVersionDetectionTest, TemplateAcceptsOwnedStrings) {
  std::vector<std::string> names = {"memory", "proxy_abi_version_0_2_1"};
  auto result = detect_abi_version(names);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, AbiVersion::v0_2_1);
}

// --- Host function and callback tables ---------------------------------------------------------

TEST(AbiTablesTest, GetLogLevelIsOnlyIn021) {
  const HostFunctionSpec* spec = find_host_function("proxy_get_log_level");
  ASSERT_NE(spec, nullptr);
  EXPECT_FALSE(has_version(spec->versions, AbiVersion::v0_1_0));
  EXPECT_FALSE(has_version(spec->versions, AbiVersion::v0_2_0));
  EXPECT_TRUE(has_version(spec->versions, AbiVersion::v0_2_1));
}

TEST(AbiTablesTest, StreamControlIsNotIn010) {
  for (std::string_view name : {"proxy_continue_stream", "proxy_close_stream"}) {
    const HostFunctionSpec* spec = find_host_function(name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_FALSE(has_version(spec->versions, AbiVersion::v0_1_0)) << name;
    EXPECT_TRUE(has_version(spec->versions, AbiVersion::v0_2_0)) << name;
    EXPECT_TRUE(has_version(spec->versions, AbiVersion::v0_2_1)) << name;
    EXPECT_EQ(spec->signature.params, "i") << name;
    EXPECT_EQ(spec->signature.results, "i") << name;
  }
}

TEST(AbiTablesTest, ConfigurationAndOldStreamCallsAreOnlyIn010) {
  for (std::string_view name : {"proxy_get_configuration", "proxy_continue_request",
                                "proxy_continue_response", "proxy_clear_route_cache"}) {
    const HostFunctionSpec* spec = find_host_function(name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_TRUE(has_version(spec->versions, AbiVersion::v0_1_0)) << name;
    EXPECT_FALSE(has_version(spec->versions, AbiVersion::v0_2_0)) << name;
    EXPECT_FALSE(has_version(spec->versions, AbiVersion::v0_2_1)) << name;
    // Spec 0.1.0 says these return nothing; cpp-host and the SDKs use an i32 status.
    EXPECT_EQ(spec->signature.results, "i") << name;
  }
  EXPECT_EQ(find_host_function("proxy_get_configuration")->signature.params, "ii");
}

TEST(AbiTablesTest, HeadersCallbackArityDependsOnVersion) {
  for (std::string_view name : {"proxy_on_request_headers", "proxy_on_response_headers"}) {
    const CallbackSpec* v010 = find_callback(name, AbiVersion::v0_1_0);
    const CallbackSpec* v020 = find_callback(name, AbiVersion::v0_2_0);
    const CallbackSpec* v021 = find_callback(name, AbiVersion::v0_2_1);
    ASSERT_NE(v010, nullptr);
    ASSERT_NE(v020, nullptr);
    ASSERT_NE(v021, nullptr);
    EXPECT_EQ(v010->signature.params, "ii") << name;
    EXPECT_EQ(v020->signature.params, "iii") << name;
    EXPECT_EQ(v021->signature.params, "iii") << name;
    EXPECT_EQ(v010->signature.results, "i") << name;
  }
}

TEST(AbiTablesTest, ForeignFunctionCallbackIsNotIn010) {
  EXPECT_EQ(find_callback("proxy_on_foreign_function", AbiVersion::v0_1_0), nullptr);
  ASSERT_NE(find_callback("proxy_on_foreign_function", AbiVersion::v0_2_1), nullptr);
  EXPECT_EQ(find_callback("proxy_on_foreign_function", AbiVersion::v0_2_1)->signature.params,
            "iii");
  // The host-side call exists in every version.
  EXPECT_EQ(find_host_function("proxy_call_foreign_function")->versions, kAllVersions);
}

TEST(AbiTablesTest, MetricCallsTakeAnI64) {
  EXPECT_EQ(find_host_function("proxy_increment_metric")->signature.params, "iI");
  EXPECT_EQ(find_host_function("proxy_record_metric")->signature.params, "iI");
  EXPECT_EQ(find_host_function("proxy_get_metric")->signature.params, "ii");
  EXPECT_EQ(find_host_function("proxy_define_metric")->signature.params, "iiii");
}

TEST(AbiTablesTest, SignaturesOfTheBusiestCallsMatchTheReference) {
  struct Expected {
    std::string_view name, params, results;
  };
  for (const Expected& e : std::vector<Expected>{
           {"proxy_log", "iii", "i"},
           {"proxy_get_buffer_bytes", "iiiii", "i"},
           {"proxy_set_buffer_bytes", "iiiii", "i"},
           {"proxy_get_header_map_value", "iiiii", "i"},
           {"proxy_send_local_response", "iiiiiiii", "i"},
           {"proxy_http_call", "iiiiiiiiii", "i"},
           {"proxy_grpc_call", "iiiiiiiiiiii", "i"},
           {"proxy_grpc_stream", "iiiiiiiii", "i"},
           {"proxy_done", "", "i"},
           {"fd_write", "iiii", "i"},
           {"clock_time_get", "iIi", "i"},
           {"proc_exit", "i", ""},
           {"emscripten_notify_memory_growth", "i", ""},
       }) {
    const HostFunctionSpec* spec = find_host_function(e.name);
    ASSERT_NE(spec, nullptr) << e.name;
    EXPECT_EQ(spec->signature.params, e.params) << e.name;
    EXPECT_EQ(spec->signature.results, e.results) << e.name;
  }
}

TEST(AbiTablesTest, EveryHostFunctionHasOneNamePerParameter) {
  std::set<std::string_view> seen;
  for (const HostFunctionSpec& spec : host_functions()) {
    EXPECT_TRUE(seen.insert(spec.name).second) << "duplicate " << spec.name;
    EXPECT_EQ(count_params(spec.param_names), spec.signature.params.size()) << spec.name;
    EXPECT_NE(spec.versions, 0) << spec.name;
    for (char c : spec.signature.params) EXPECT_TRUE(c == 'i' || c == 'I') << spec.name;
  }
}

TEST(AbiTablesTest, StartUpMayOnlyLogAndUseWasiWithoutSideEffectsOnFiles) {
  // proxy-wasm-cpp-host's restricted lists: from env only logging and the memory growth notice;
  // WASI apart from reading, seeking and closing files, opening paths, yielding and exiting.
  std::set<std::string_view> startup_env;
  std::set<std::string_view> wasi_refused;
  for (const HostFunctionSpec& spec : host_functions()) {
    if (spec.module == ImportModule::Env && allowed_during_startup(spec))
      startup_env.insert(spec.name);
    if (spec.module == ImportModule::Wasi && !allowed_during_startup(spec))
      wasi_refused.insert(spec.name);
  }
  EXPECT_EQ(startup_env,
            (std::set<std::string_view>{"proxy_log", "emscripten_notify_memory_growth"}));
  EXPECT_EQ(wasi_refused, (std::set<std::string_view>{"fd_read", "fd_seek", "fd_close", "path_open",
                                                      "sched_yield", "proc_exit"}));
}

TEST(AbiTablesTest, TheAllocatorMayOnlyLogWriteAndReadClocks) {
  std::set<std::string_view> allocator;
  for (const HostFunctionSpec& spec : host_functions()) {
    if (!allowed_from_allocator(spec)) continue;
    allocator.insert(spec.name);
    // What the allocator may call, start-up may too.
    EXPECT_TRUE(allowed_during_startup(spec)) << spec.name;
  }
  EXPECT_EQ(allocator,
            (std::set<std::string_view>{"proxy_log", "fd_write", "clock_time_get", "poll_oneoff"}));
}

TEST(AbiTablesTest, EveryCallbackHasOneNamePerParameter) {
  for (const CallbackSpec& spec : callbacks())
    EXPECT_EQ(count_params(spec.param_names), spec.signature.params.size()) << spec.name;
}

TEST(AbiTablesTest, ImportModules) {
  EXPECT_TRUE(is_abi_import("env", "proxy_log"));
  EXPECT_TRUE(is_abi_import("env", "pthread_equal"));
  EXPECT_TRUE(is_abi_import("wasi_snapshot_preview1", "fd_write"));
  EXPECT_TRUE(is_abi_import("wasi_unstable", "fd_write"));
  EXPECT_FALSE(is_abi_import("env", "fd_write"));
  EXPECT_FALSE(is_abi_import("wasi_snapshot_preview1", "proxy_log"));
  EXPECT_FALSE(is_abi_import("env", "proxy_no_such_call"));
  EXPECT_EQ(find_host_function("random_get")->module, ImportModule::Wasi);
  EXPECT_EQ(find_host_function("proxy_http_call")->module, ImportModule::Env);
}

TEST(AbiTablesTest, AbiExports) {
  EXPECT_TRUE(is_abi_export("proxy_abi_version_0_2_1"));
  EXPECT_TRUE(is_abi_export("proxy_on_request_headers"));
  EXPECT_TRUE(is_abi_export("proxy_on_grpc_trailing_metadata"));
  EXPECT_TRUE(is_abi_export("malloc"));
  EXPECT_TRUE(is_abi_export("_initialize"));
  EXPECT_FALSE(is_abi_export("my_helper"));
  EXPECT_EQ(find_callback("proxy_on_no_such_thing", AbiVersion::v0_2_1), nullptr);
  EXPECT_EQ(find_host_function("proxy_no_such_call"), nullptr);
}

// --- Enum names and parsing --------------------------------------------------------------------

TEST(AbiEnumsTest, StatusNames) {
  EXPECT_EQ(name(Status::Ok), "OK");
  EXPECT_EQ(name(Status::NotFound), "NOT_FOUND");
  EXPECT_EQ(name(Status::BadArgument), "BAD_ARGUMENT");
  EXPECT_EQ(name(Status::InvalidMemoryAccess), "INVALID_MEMORY_ACCESS");
  EXPECT_EQ(name(Status::Empty), "EMPTY");
  EXPECT_EQ(name(Status::CasMismatch), "CAS_MISMATCH");
  EXPECT_EQ(name(Status::Unimplemented), "UNIMPLEMENTED");
  EXPECT_EQ(name(static_cast<Status>(99)), "99");
}

TEST(AbiEnumsTest, StatusValuesMatchTheReference) {
  EXPECT_EQ(static_cast<uint32_t>(Status::InvalidMemoryAccess), 6u);
  EXPECT_EQ(static_cast<uint32_t>(Status::Empty), 7u);
  EXPECT_EQ(static_cast<uint32_t>(Status::CasMismatch), 8u);
  EXPECT_EQ(static_cast<uint32_t>(Status::InternalFailure), 10u);
  EXPECT_EQ(static_cast<uint32_t>(Status::Unimplemented), 12u);
  EXPECT_EQ(static_cast<uint32_t>(WasiErrno::Fault), 21u);
  EXPECT_EQ(static_cast<uint32_t>(WasiErrno::Noent), 44u);
  EXPECT_EQ(static_cast<uint32_t>(WasiErrno::Notcapable), 76u);
}

TEST(AbiEnumsTest, StatusRoundTrips) {
  for (uint32_t v = 0; v <= 12; ++v) {
    auto status = static_cast<Status>(v);
    auto parsed = parse_status(name(status));
    ASSERT_TRUE(parsed.has_value()) << name(status);
    EXPECT_EQ(*parsed, status);
    EXPECT_EQ(parse_status(std::to_string(v)), status);
  }
  EXPECT_EQ(parse_status("not_found"), Status::NotFound);
  EXPECT_EQ(parse_status("cas-mismatch"), Status::CasMismatch);
  EXPECT_EQ(parse_status("13"), std::nullopt);
  EXPECT_EQ(parse_status("nonsense"), std::nullopt);
  EXPECT_EQ(parse_status(""), std::nullopt);
}

TEST(AbiEnumsTest, LogLevelRoundTrips) {
  for (uint32_t v = 0; v <= 5; ++v) {
    auto level = static_cast<LogLevel>(v);
    EXPECT_EQ(parse_log_level(name(level)), level);
    EXPECT_EQ(parse_log_level(log_level_label(level)), level);
  }
  EXPECT_EQ(name(LogLevel::Warn), "WARN");
  EXPECT_EQ(log_level_label(LogLevel::Critical), "critical");
  EXPECT_EQ(log_level_label(static_cast<LogLevel>(6)), "invalid");
  EXPECT_EQ(parse_log_level("warning"), LogLevel::Warn);
  EXPECT_EQ(parse_log_level("Info"), LogLevel::Info);
  EXPECT_EQ(parse_log_level("6"), std::nullopt);
  EXPECT_EQ(parse_log_level("loud"), std::nullopt);
}

TEST(AbiEnumsTest, MapTypeRoundTrips) {
  for (uint32_t v = 0; v <= kMaxMapType; ++v) {
    auto type = static_cast<MapType>(v);
    EXPECT_EQ(parse_map_type(name(type)), type) << name(type);
    EXPECT_EQ(parse_map_type(std::to_string(v)), type);
  }
  EXPECT_EQ(name(MapType::HttpRequestHeaders), "HTTP_REQUEST_HEADERS");
  EXPECT_EQ(name(MapType::HttpCallResponseTrailers), "HTTP_CALL_RESPONSE_TRAILERS");
  EXPECT_EQ(parse_map_type("request_headers"), MapType::HttpRequestHeaders);
  EXPECT_EQ(parse_map_type("response-trailers"), MapType::HttpResponseTrailers);
  EXPECT_EQ(parse_map_type("call_response_headers"), MapType::HttpCallResponseHeaders);
  EXPECT_EQ(parse_map_type("8"), std::nullopt);
  EXPECT_EQ(name(static_cast<MapType>(8)), "8");
}

TEST(AbiEnumsTest, MapTypeParsesTheSpecGrpcNames) {
  EXPECT_EQ(parse_map_type("GRPC_CALL_INITIAL_METADATA"), MapType::GrpcReceiveInitialMetadata);
  EXPECT_EQ(parse_map_type("grpc_call_trailing_metadata"), MapType::GrpcReceiveTrailingMetadata);
}

TEST(AbiEnumsTest, BufferTypeRoundTrips) {
  for (uint32_t v = 0; v <= kMaxBufferType; ++v) {
    auto type = static_cast<BufferType>(v);
    EXPECT_EQ(parse_buffer_type(name(type)), type) << name(type);
    EXPECT_EQ(parse_buffer_type(std::to_string(v)), type);
  }
  EXPECT_EQ(name(BufferType::HttpCallResponseBody), "HTTP_CALL_RESPONSE_BODY");
  EXPECT_EQ(name(BufferType::CallData), "FOREIGN_FUNCTION_ARGUMENTS");
  EXPECT_EQ(parse_buffer_type("request_body"), BufferType::HttpRequestBody);
  EXPECT_EQ(parse_buffer_type("plugin-configuration"), BufferType::PluginConfiguration);
  EXPECT_EQ(parse_buffer_type("9"), std::nullopt);
}

TEST(AbiEnumsTest, BufferTypeParsesTheSpecGrpcName) {
  EXPECT_EQ(parse_buffer_type("GRPC_CALL_MESSAGE"), BufferType::GrpcReceiveBuffer);
}

TEST(AbiEnumsTest, OtherEnumNames) {
  EXPECT_EQ(name(StreamType::HttpRequest), "HTTP_REQUEST");
  EXPECT_EQ(name(StreamType::Upstream), "UPSTREAM");
  EXPECT_EQ(name(MetricType::Histogram), "HISTOGRAM");
  EXPECT_EQ(name(FilterHeadersStatus::StopAllIterationAndWatermark),
            "StopAllIterationAndWatermark");
  EXPECT_EQ(name(FilterDataStatus::StopIterationNoBuffer), "StopIterationNoBuffer");
  EXPECT_EQ(name(FilterTrailersStatus::StopIteration), "StopIteration");
  EXPECT_EQ(name(static_cast<FilterHeadersStatus>(7)), "7");
}

TEST(AbiEnumsTest, AbiVersionRoundTrips) {
  for (AbiVersion v : {AbiVersion::v0_1_0, AbiVersion::v0_2_0, AbiVersion::v0_2_1})
    EXPECT_EQ(parse_abi_version(name(v)), v);
  EXPECT_EQ(name(AbiVersion::v0_2_1), "0.2.1");
  EXPECT_EQ(parse_abi_version("0.3.0"), std::nullopt);
  EXPECT_EQ(parse_abi_version("0_2_1"), std::nullopt);
}

}  // namespace
}  // namespace pwplay::abi
