// The proxy-wasm ABI's enumerations as data: numeric values, their spec names, and parsing.
// Every layer uses these names in traces, error messages and file formats.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pwplay::abi {

enum class AbiVersion : uint8_t { v0_1_0, v0_2_0, v0_2_1 };

enum class Status : uint32_t {
  Ok = 0,
  NotFound = 1,
  BadArgument = 2,
  SerializationFailure = 3,
  ParseFailure = 4,
  BadExpression = 5,
  InvalidMemoryAccess = 6,
  Empty = 7,
  CasMismatch = 8,
  ResultMismatch = 9,
  InternalFailure = 10,
  BrokenConnection = 11,
  Unimplemented = 12,
};

enum class LogLevel : uint32_t {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
  Critical = 5
};

enum class BufferType : uint32_t {
  HttpRequestBody = 0,
  HttpResponseBody = 1,
  DownstreamData = 2,
  UpstreamData = 3,
  HttpCallResponseBody = 4,
  GrpcReceiveBuffer = 5,
  VmConfiguration = 6,
  PluginConfiguration = 7,
  CallData = 8,
};
inline constexpr uint32_t kMaxBufferType = 8;

enum class MapType : uint32_t {
  HttpRequestHeaders = 0,
  HttpRequestTrailers = 1,
  HttpResponseHeaders = 2,
  HttpResponseTrailers = 3,
  GrpcReceiveInitialMetadata = 4,
  GrpcReceiveTrailingMetadata = 5,
  HttpCallResponseHeaders = 6,
  HttpCallResponseTrailers = 7,
};
inline constexpr uint32_t kMaxMapType = 7;

enum class StreamType : uint32_t {
  HttpRequest = 0,
  HttpResponse = 1,
  Downstream = 2,
  Upstream = 3
};
inline constexpr uint32_t kMaxStreamType = 3;

enum class PeerType : uint32_t { Unknown = 0, Local = 1, Remote = 2 };

enum class MetricType : uint32_t { Counter = 0, Gauge = 1, Histogram = 2 };
inline constexpr uint32_t kMaxMetricType = 2;

// Return values of the headers callbacks (SDK FilterHeadersStatus).
enum class FilterHeadersStatus : uint32_t {
  Continue = 0,
  StopIteration = 1,
  ContinueAndEndStream = 2,
  StopAllIterationAndBuffer = 3,
  StopAllIterationAndWatermark = 4,
};

// Return values of the body callbacks (SDK FilterDataStatus).
enum class FilterDataStatus : uint32_t {
  Continue = 0,
  StopIterationAndBuffer = 1,
  StopIterationAndWatermark = 2,
  StopIterationNoBuffer = 3,
};

enum class FilterTrailersStatus : uint32_t { Continue = 0, StopIteration = 1 };

// WASI errno values the host returns.
enum class WasiErrno : uint32_t {
  Success = 0,
  Badf = 8,
  Exist = 20,
  Fault = 21,
  Inval = 28,
  Noent = 44,
  Nosys = 52,
  Notdir = 54,
  Notsup = 58,
  Notcapable = 76,
};

// Spec names ("OK", "NOT_FOUND", "HTTP_REQUEST_HEADERS", ...). Unknown values print as numbers.
std::string name(Status value);
std::string name(LogLevel value);
std::string name(BufferType value);
std::string name(MapType value);
std::string name(StreamType value);
std::string name(MetricType value);
std::string name(FilterHeadersStatus value);
std::string name(FilterDataStatus value);
std::string name(FilterTrailersStatus value);
std::string name(AbiVersion value);  // "0.2.1"

// Lower-case names used in files and on the command line ("info", "warn", ...).
std::string_view log_level_label(LogLevel value);

// Parsing from names (case-insensitive; both spec names and short forms such as "not_found",
// "request_headers", "info") or decimal numbers. nullopt when not recognised.
std::optional<Status> parse_status(std::string_view text);
std::optional<LogLevel> parse_log_level(std::string_view text);
std::optional<MapType> parse_map_type(std::string_view text);
std::optional<BufferType> parse_buffer_type(std::string_view text);
std::optional<AbiVersion> parse_abi_version(std::string_view text);  // "0.2.1"

}  // namespace pwplay::abi
