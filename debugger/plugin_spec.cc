#include "debugger/plugin_spec.h"

#include <filesystem>

#include "debugger/formats/request_file.h"
#include "host/file_read.h"
#include "host/sha256.h"

namespace pwplay::debugger {

Result<std::vector<uint8_t>> read_wasm_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return make_error(path + ": no such file");
  if (std::filesystem::is_directory(path, ec))
    return make_error(path + ": is a directory, expected a .wasm file");
  auto text = host::read_user_file(path, "module", host::kMaxModuleBytes);
  if (!text) return unexpected(text.error());
  if (text->empty()) return make_error(path + ": file is empty, expected a wasm module");
  // A native filter (a shared object for --engine native) is accepted as well.
  if (text->compare(0, 4,
                    "\x7f"
                    "ELF") == 0)
    return std::vector<uint8_t>(text->begin(), text->end());
  if (text->size() < 8 || text->compare(0, 4, std::string("\0asm", 4)) != 0) {
    std::string hint;
    if (text->compare(0, 7, "(module") == 0 || text->find("(module") != std::string::npos)
      hint = " (this looks like WAT text: compile it with wat2wasm first)";
    return make_error(path + ": not a wasm module (it does not start with \\0asm)" + hint);
  }
  return std::vector<uint8_t>(text->begin(), text->end());
}

Result<void> check_limits(const PluginSpec& spec) {
  if (spec.runaway_budget_ms && *spec.runaway_budget_ms == 0)
    return make_error("runaway budget (--budget-ms) must be at least 1 ms (got 0)");
  if (spec.max_memory_pages && *spec.max_memory_pages == 0)
    return make_error("memory limit (--max-memory-pages) must be at least 1 page (got 0)");
  if (spec.max_memory_pages && *spec.max_memory_pages > host::kMaxMemoryPagesLimit)
    return make_error("memory limit (--max-memory-pages) must be at most " +
                      std::to_string(host::kMaxMemoryPagesLimit) + " pages (4 GiB) (got " +
                      std::to_string(*spec.max_memory_pages) + ")");
  if (spec.warmup_ms && *spec.warmup_ms > PluginSpec::kMaxWarmupMs)
    return make_error("start-up warm-up (--warmup-ms) must be at most " +
                      std::to_string(PluginSpec::kMaxWarmupMs) + " ms of simulated time (got " +
                      std::to_string(*spec.warmup_ms) + ")");
  return {};
}

Result<host::proxy::LoadedPlugin> resolve_plugin(const PluginSpec& spec) {
  if (Result<void> limits = check_limits(spec); !limits) return unexpected(limits.error());
  host::proxy::LoadedPlugin loaded;
  host::PluginConfig& config = loaded.config;
  config.name = spec.name;
  config.root_id = spec.root_id;
  config.vm_id = spec.vm_id;
  config.configuration = spec.configuration;
  config.vm_configuration = spec.vm_configuration;
  config.fail_open = spec.fail_open;
  if (!spec.engine.empty()) config.engine = spec.engine;
  config.environment = spec.environment;
  config.properties = spec.properties;
  if (spec.runaway_budget_ms) config.vm_options.runaway_budget_ms = *spec.runaway_budget_ms;
  if (spec.max_memory_pages) config.vm_options.max_memory_pages = *spec.max_memory_pages;
  config.vm_options.engine_flags = spec.engine_flags;
  if (!spec.wasm_path.empty()) {
    auto bytes = read_wasm_file(spec.wasm_path);
    if (!bytes) return unexpected(bytes.error());
    if (bytes->size() >= 4 && (*bytes)[0] == 0x7f && config.engine != "native")
      return make_error(spec.wasm_path + ": a native shared object: run it with --engine native");
    if (!spec.sha256.empty()) {
      const std::string actual = host::sha256_hex(*bytes);
      if (actual != spec.sha256)
        return make_error(spec.wasm_path + ": the module's SHA-256 is " + actual +
                          ", but its config expects " + spec.sha256 +
                          " (spec.sha256): the file is not the module the config names");
    }
    loaded.wasm = std::move(*bytes);
  } else if (!spec.inline_code.empty()) {
    loaded.wasm = spec.inline_code;
  } else {
    return make_error("no filter given: name a .wasm file");
  }
  config.wasm_path = spec.wasm_path;
  if (config.name.empty())
    config.name =
        spec.wasm_path.empty() ? "plugin" : std::filesystem::path(spec.wasm_path).stem().string();
  return loaded;
}

}  // namespace pwplay::debugger
