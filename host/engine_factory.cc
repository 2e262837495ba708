// The engine factory (create_vm, available_engines, engine_version in host/vm.h): the one file
// outside host/engines/ that knows the engines. It offers those this build has, as the
// PWPLAY_ENGINE_* definitions of the pwplay_engine_* libraries say (see docs/engines.md).
#include <string>
#include <string_view>
#include <vector>

#include "host/vm.h"

#ifdef PWPLAY_ENGINE_V8
#include "host/engines/v8/v8_vm.h"
#endif
#ifdef PWPLAY_ENGINE_WABT
#include "host/engines/wabt/wabt_vm.h"
#endif
#ifdef PWPLAY_ENGINE_NATIVE
#include "host/engines/native/native_vm.h"
#endif

namespace pwplay::host {
namespace {

struct BuiltEngine {
  std::string_view name;
  Result<std::unique_ptr<Vm>> (*create)(const VmOptions& options);
  std::string (*version)();
};

// The engines of this build, in order of preference; native is never a default (a crashing
// native filter takes the process down).
const std::vector<BuiltEngine>& built_engines() {
  static const std::vector<BuiltEngine> engines = {
#ifdef PWPLAY_ENGINE_V8
      {"v8", &create_v8_vm, &v8_engine_version},
#endif
#ifdef PWPLAY_ENGINE_WABT
      {"wabt", &create_wabt_vm, &wabt_version},
#endif
#ifdef PWPLAY_ENGINE_NATIVE
      {"native", &create_native_vm, &native_engine_version},
#endif
  };
  return engines;
}

// Every engine pwplay has an implementation of, built into this binary or not.
bool is_known_engine(std::string_view name) {
  return name == "v8" || name == "wabt" || name == "native";
}

const BuiltEngine* find_built(std::string_view name) {
  for (const BuiltEngine& engine : built_engines()) {
    if (engine.name == name) return &engine;
  }
  return nullptr;
}

// "v8, wabt, native"; "none" when the build has no engine.
std::string built_list() {
  std::string list;
  for (const BuiltEngine& engine : built_engines()) {
    if (!list.empty()) list += ", ";
    list += engine.name;
  }
  return list.empty() ? "none" : list;
}

}  // namespace

Result<std::unique_ptr<Vm>> create_vm(std::string_view engine, const VmOptions& options) {
  if (const BuiltEngine* built = find_built(engine)) {
    if (Result<void> checked = check_vm_options(options); !checked)
      return unexpected(checked.error());
    return built->create(options);
  }
  if (is_known_engine(engine)) {
    return make_error("engine '" + std::string(engine) +
                      "' is not built into this pwplay; built: " + built_list());
  }
  return make_error("unknown engine '" + std::string(engine) + "' (available: " + built_list() +
                    ")");
}

std::string engine_version(std::string_view engine) {
  const BuiltEngine* built = find_built(engine);
  return built ? built->version() : std::string();
}

std::vector<std::string> available_engines() {
  std::vector<std::string> names;
  for (const BuiltEngine& engine : built_engines()) names.emplace_back(engine.name);
  return names;
}

}  // namespace pwplay::host
