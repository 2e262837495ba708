// The ABI's function tables: every host function (import) and callback (export) with its wasm
// signature and the ABI versions that have it, plus version detection from a module's exports.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi/enums.h"
#include "abi/result.h"

namespace pwplay::abi {

// Bit set of AbiVersion values.
using VersionMask = uint8_t;
inline constexpr VersionMask kV010 = 1u << static_cast<int>(AbiVersion::v0_1_0);
inline constexpr VersionMask kV020 = 1u << static_cast<int>(AbiVersion::v0_2_0);
inline constexpr VersionMask kV021 = 1u << static_cast<int>(AbiVersion::v0_2_1);
inline constexpr VersionMask kAllVersions = kV010 | kV020 | kV021;
inline constexpr VersionMask kV02x = kV020 | kV021;

inline bool has_version(VersionMask mask, AbiVersion version) {
  return (mask >> static_cast<int>(version)) & 1u;
}

// Where an import lives.
enum class ImportModule : uint8_t { Env, Wasi };

// What a host function is about; used to group them in the UI and docs.
enum class HostFunctionGroup : uint8_t {
  Lifecycle,
  Logging,
  Buffers,
  HeaderMaps,
  StreamControl,
  Callouts,
  Grpc,
  SharedData,
  SharedQueues,
  Metrics,
  Properties,
  ForeignFunctions,
  Timers,
  Wasi,
  Emscripten,
};

// A wasm signature written as type letters: 'i' = i32, 'I' = i64. e.g. params "iI", results "i".
struct Signature {
  std::string_view params;
  std::string_view results;
};

// Phases besides ordinary callbacks in which a module may call a host function. As
// proxy-wasm-cpp-host, start-up (_initialize, main, _start) may only log and use the WASI calls a
// libc start-up needs, and code inside the module's allocator only log, write and read clocks;
// any other call there traps.
using PhaseMask = uint8_t;
inline constexpr PhaseMask kCallbacksOnly = 0;
inline constexpr PhaseMask kDuringStartUp = 1u << 0;
inline constexpr PhaseMask kFromAllocator = 1u << 1;

// Everything about one host function except its implementation (host/abi_host_table.cc maps each
// row to one).
struct HostFunctionSpec {
  std::string_view name;  // import name, e.g. "proxy_get_header_map_value" or "fd_write"
  ImportModule module;    // Env ("env"), or Wasi (both wasi_snapshot_preview1 and wasi_unstable)
  Signature signature;
  VersionMask versions;
  HostFunctionGroup group;
  // Parameter names, comma-separated, used to decode arguments in traces.
  std::string_view param_names;
  // Where else than in a callback it may be called: kDuringStartUp, kFromAllocator.
  PhaseMask allowed_in = kCallbacksOnly;
};

inline bool allowed_during_startup(const HostFunctionSpec& spec) {
  return (spec.allowed_in & kDuringStartUp) != 0;
}
inline bool allowed_from_allocator(const HostFunctionSpec& spec) {
  return (spec.allowed_in & kFromAllocator) != 0;
}

struct CallbackSpec {
  std::string_view name;  // export name, e.g. "proxy_on_request_headers"
  Signature signature;
  VersionMask versions;
  std::string_view param_names;
};

std::span<const HostFunctionSpec> host_functions();
std::span<const CallbackSpec> callbacks();

// Lookups; nullptr when unknown. For callbacks with version-dependent signatures
// (headers callbacks) the version picks the entry.
const HostFunctionSpec* find_host_function(std::string_view name);
const CallbackSpec* find_callback(std::string_view name, AbiVersion version);
// True if `name` is an ABI callback, marker, allocator or start-up export of any version.
bool is_abi_export(std::string_view name);
// True if module.name is an import the host provides for some version.
bool is_abi_import(std::string_view module, std::string_view name);

// The marker exports.
inline constexpr std::string_view kMarker010 = "proxy_abi_version_0_1_0";
inline constexpr std::string_view kMarker020 = "proxy_abi_version_0_2_0";
inline constexpr std::string_view kMarker021 = "proxy_abi_version_0_2_1";

// Detects the ABI version from export names (in export-section order; the first known marker
// wins, as in proxy-wasm-cpp-host). With no known marker, the error names what was found:
// unknown markers such as "proxy_abi_mosn_version_0_2_0", or that there was none.
template <typename Names>
Result<AbiVersion> detect_abi_version(const Names& export_names);

Result<AbiVersion> detect_abi_version_from(std::span<const std::string_view> export_names);

template <typename Names>
Result<AbiVersion> detect_abi_version(const Names& export_names) {
  std::vector<std::string_view> views;
  for (const auto& n : export_names) views.emplace_back(n);
  return detect_abi_version_from(views);
}

}  // namespace pwplay::abi
