#include "abi/enums.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace pwplay::abi {
namespace {

template <size_t N>
std::string name_from(const std::array<std::string_view, N>& names, uint32_t value) {
  if (value < N && !names[value].empty()) return std::string(names[value]);
  return std::to_string(value);
}

constexpr std::array<std::string_view, 13> kStatusNames = {"OK",
                                                           "NOT_FOUND",
                                                           "BAD_ARGUMENT",
                                                           "SERIALIZATION_FAILURE",
                                                           "PARSE_FAILURE",
                                                           "BAD_EXPRESSION",
                                                           "INVALID_MEMORY_ACCESS",
                                                           "EMPTY",
                                                           "CAS_MISMATCH",
                                                           "RESULT_MISMATCH",
                                                           "INTERNAL_FAILURE",
                                                           "BROKEN_CONNECTION",
                                                           "UNIMPLEMENTED"};
constexpr std::array<std::string_view, 6> kLogLevelNames = {"TRACE", "DEBUG", "INFO",
                                                            "WARN",  "ERROR", "CRITICAL"};
constexpr std::array<std::string_view, 6> kLogLevelLabels = {"trace", "debug", "info",
                                                             "warn",  "error", "critical"};
constexpr std::array<std::string_view, 9> kBufferNames = {
    "HTTP_REQUEST_BODY", "HTTP_RESPONSE_BODY",      "DOWNSTREAM_DATA",
    "UPSTREAM_DATA",     "HTTP_CALL_RESPONSE_BODY", "GRPC_RECEIVE_BUFFER",
    "VM_CONFIGURATION",  "PLUGIN_CONFIGURATION",    "FOREIGN_FUNCTION_ARGUMENTS"};
constexpr std::array<std::string_view, 8> kMapNames = {
    "HTTP_REQUEST_HEADERS",       "HTTP_REQUEST_TRAILERS",         "HTTP_RESPONSE_HEADERS",
    "HTTP_RESPONSE_TRAILERS",     "GRPC_RECEIVE_INITIAL_METADATA", "GRPC_RECEIVE_TRAILING_METADATA",
    "HTTP_CALL_RESPONSE_HEADERS", "HTTP_CALL_RESPONSE_TRAILERS"};
constexpr std::array<std::string_view, 4> kStreamNames = {"HTTP_REQUEST", "HTTP_RESPONSE",
                                                          "DOWNSTREAM", "UPSTREAM"};
constexpr std::array<std::string_view, 3> kMetricNames = {"COUNTER", "GAUGE", "HISTOGRAM"};
constexpr std::array<std::string_view, 5> kHeadersStatusNames = {
    "Continue", "StopIteration", "ContinueAndEndStream", "StopAllIterationAndBuffer",
    "StopAllIterationAndWatermark"};
constexpr std::array<std::string_view, 4> kDataStatusNames = {
    "Continue", "StopIterationAndBuffer", "StopIterationAndWatermark", "StopIterationNoBuffer"};
constexpr std::array<std::string_view, 2> kTrailersStatusNames = {"Continue", "StopIteration"};

std::string normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '-' || c == ' ') c = '_';
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

std::optional<uint32_t> parse_number(std::string_view text) {
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Accepts the full spec name, or the name without a common prefix ("REQUEST_HEADERS").
template <size_t N>
std::optional<uint32_t> parse_from(const std::array<std::string_view, N>& names,
                                   std::string_view text, std::string_view optional_prefix) {
  if (auto number = parse_number(text)) {
    if (*number < N) return number;
    return std::nullopt;
  }
  std::string wanted = normalize(text);
  for (uint32_t i = 0; i < N; ++i) {
    std::string_view candidate = names[i];
    if (wanted == normalize(candidate)) return i;
    if (!optional_prefix.empty() && candidate.starts_with(optional_prefix) &&
        wanted == candidate.substr(optional_prefix.size()))
      return i;
  }
  return std::nullopt;
}

}  // namespace

std::string name(Status value) {
  return name_from(kStatusNames, static_cast<uint32_t>(value));
}
std::string name(LogLevel value) {
  return name_from(kLogLevelNames, static_cast<uint32_t>(value));
}
std::string name(BufferType value) {
  return name_from(kBufferNames, static_cast<uint32_t>(value));
}
std::string name(MapType value) {
  return name_from(kMapNames, static_cast<uint32_t>(value));
}
std::string name(StreamType value) {
  return name_from(kStreamNames, static_cast<uint32_t>(value));
}
std::string name(MetricType value) {
  return name_from(kMetricNames, static_cast<uint32_t>(value));
}
std::string name(FilterHeadersStatus value) {
  return name_from(kHeadersStatusNames, static_cast<uint32_t>(value));
}
std::string name(FilterDataStatus value) {
  return name_from(kDataStatusNames, static_cast<uint32_t>(value));
}
std::string name(FilterTrailersStatus value) {
  return name_from(kTrailersStatusNames, static_cast<uint32_t>(value));
}
std::string name(AbiVersion value) {
  switch (value) {
    case AbiVersion::v0_1_0:
      return "0.1.0";
    case AbiVersion::v0_2_0:
      return "0.2.0";
    case AbiVersion::v0_2_1:
      return "0.2.1";
  }
  return "unknown";
}

std::string_view log_level_label(LogLevel value) {
  auto index = static_cast<uint32_t>(value);
  return index < kLogLevelLabels.size() ? kLogLevelLabels[index] : std::string_view("invalid");
}

std::optional<Status> parse_status(std::string_view text) {
  auto v = parse_from(kStatusNames, text, "");
  if (v) return static_cast<Status>(*v);
  return std::nullopt;
}
std::optional<LogLevel> parse_log_level(std::string_view text) {
  std::string wanted = normalize(text);
  if (wanted == "WARNING") return LogLevel::Warn;
  auto v = parse_from(kLogLevelNames, text, "");
  if (v) return static_cast<LogLevel>(*v);
  return std::nullopt;
}
std::optional<MapType> parse_map_type(std::string_view text) {
  // The spec spells the gRPC maps GRPC_CALL_*; the names printed here follow the SDK.
  std::string wanted = normalize(text);
  if (wanted == "GRPC_CALL_INITIAL_METADATA") return MapType::GrpcReceiveInitialMetadata;
  if (wanted == "GRPC_CALL_TRAILING_METADATA") return MapType::GrpcReceiveTrailingMetadata;
  auto v = parse_from(kMapNames, text, "HTTP_");
  if (v) return static_cast<MapType>(*v);
  return std::nullopt;
}
std::optional<BufferType> parse_buffer_type(std::string_view text) {
  // Spec and SDK spellings of buffers 5 and 8.
  std::string wanted = normalize(text);
  if (wanted == "GRPC_CALL_MESSAGE") return BufferType::GrpcReceiveBuffer;
  if (wanted == "CALL_DATA") return BufferType::CallData;
  auto v = parse_from(kBufferNames, text, "HTTP_");
  if (v) return static_cast<BufferType>(*v);
  return std::nullopt;
}
std::optional<AbiVersion> parse_abi_version(std::string_view text) {
  if (text == "0.1.0") return AbiVersion::v0_1_0;
  if (text == "0.2.0") return AbiVersion::v0_2_0;
  if (text == "0.2.1") return AbiVersion::v0_2_1;
  return std::nullopt;
}

}  // namespace pwplay::abi
