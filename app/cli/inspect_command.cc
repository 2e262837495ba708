// `pwplay inspect FILTER.wasm [--json]`: the module's ABI version, imports and exports (marking
// those outside the proxy-wasm ABI), memory limits, sections and size, without running it.
#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "abi/enums.h"
#include "abi/functions.h"
#include "app/cli/commands.h"
#include "debugger/runner.h"
#include "host/module_info.h"

namespace pwplay::app {
namespace {

struct InspectArgs {
  std::string wasm;
  bool json = false;
};

const char* kind_name(host::ExternKind kind) {
  switch (kind) {
    case host::ExternKind::Function:
      return "function";
    case host::ExternKind::Table:
      return "table";
    case host::ExternKind::Memory:
      return "memory";
    case host::ExternKind::Global:
      return "global";
    case host::ExternKind::Tag:
      return "tag";
  }
  return "unknown";
}

bool import_in_abi(const host::ImportDesc& import) {
  return import.kind == host::ExternKind::Memory || abi::is_abi_import(import.module, import.name);
}

bool export_in_abi(const host::ExportDesc& e) {
  return abi::is_abi_export(e.name) || e.kind == host::ExternKind::Memory ||
         e.name == "__indirect_function_table" || e.name == "__data_end" || e.name == "__heap_base";
}

int inspect(const InspectArgs& args) {
  auto bytes = debugger::read_wasm_file(args.wasm);
  if (!bytes) {
    std::fprintf(stderr, "pwplay inspect: %s\n", bytes.error().message.c_str());
    return kExitError;
  }
  auto info = host::read_module_info(*bytes);
  if (!info) {
    std::fprintf(stderr, "pwplay inspect: %s: %s\n", args.wasm.c_str(),
                 info.error().message.c_str());
    return kExitError;
  }
  std::vector<std::string> export_names;
  for (const auto& e : info->exports)
    if (e.kind == host::ExternKind::Function) export_names.push_back(e.name);
  auto version = abi::detect_abi_version(export_names);

  if (args.json) {
    nlohmann::json out;
    out["file"] = args.wasm;
    out["size"] = info->size_bytes;
    out["abi_version"] = version ? nlohmann::json(abi::name(*version)) : nlohmann::json(nullptr);
    if (!version) out["abi_error"] = version.error().message;
    nlohmann::json imports = nlohmann::json::array();
    for (const auto& import : info->imports) {
      nlohmann::json entry = {{"module", import.module},
                              {"name", import.name},
                              {"kind", kind_name(import.kind)},
                              {"abi", import_in_abi(import)}};
      if (import.kind == host::ExternKind::Function) entry["type"] = host::to_string(import.type);
      imports.push_back(entry);
    }
    out["imports"] = imports;
    nlohmann::json exports = nlohmann::json::array();
    for (const auto& e : info->exports) {
      nlohmann::json entry = {
          {"name", e.name}, {"kind", kind_name(e.kind)}, {"abi", export_in_abi(e)}};
      if (e.kind == host::ExternKind::Function) entry["type"] = host::to_string(e.type);
      exports.push_back(entry);
    }
    out["exports"] = exports;
    nlohmann::json memories = nlohmann::json::array();
    for (const auto& memory : info->memories) {
      nlohmann::json entry = {{"min_pages", memory.min_pages},
                              {"imported", memory.imported},
                              {"exported", memory.exported}};
      entry["max_pages"] =
          memory.max_pages ? nlohmann::json(*memory.max_pages) : nlohmann::json(nullptr);
      memories.push_back(entry);
    }
    out["memories"] = memories;
    nlohmann::json customs = nlohmann::json::array();
    for (const auto& section : info->custom_sections)
      customs.push_back({{"name", section.name}, {"size", section.size}});
    out["custom_sections"] = customs;
    out["functions"] = {{"imported", info->imported_function_count},
                        {"defined", info->defined_function_count}};
    out["has_start_section"] = info->has_start_section;
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return version ? kExitOk : kExitError;
  }

  std::printf("%s: %zu bytes\n", args.wasm.c_str(), info->size_bytes);
  if (version)
    std::printf("ABI version: %s\n", abi::name(*version).c_str());
  else
    std::printf("ABI version: none usable (%s)\n", version.error().message.c_str());
  std::printf("\nimports (%zu):\n", info->imports.size());
  for (const auto& import : info->imports) {
    std::printf(
        "  %s %s.%s %s%s\n", kind_name(import.kind), import.module.c_str(), import.name.c_str(),
        import.kind == host::ExternKind::Function ? host::to_string(import.type).c_str() : "",
        import_in_abi(import) ? "" : "   <- not part of the proxy-wasm ABI");
  }
  std::printf("\nexports (%zu):\n", info->exports.size());
  for (const auto& e : info->exports) {
    std::printf("  %s %s %s%s\n", kind_name(e.kind), e.name.c_str(),
                e.kind == host::ExternKind::Function ? host::to_string(e.type).c_str() : "",
                export_in_abi(e) ? "" : "   <- not part of the proxy-wasm ABI");
  }
  std::printf("\nmemories:\n");
  for (const auto& memory : info->memories) {
    std::printf("  %llu pages (%llu KiB) initial, max %s%s%s\n",
                static_cast<unsigned long long>(memory.min_pages),
                static_cast<unsigned long long>(memory.min_pages * 64),
                memory.max_pages ? std::to_string(*memory.max_pages).c_str() : "none",
                memory.imported ? ", imported" : "", memory.exported ? ", exported" : "");
  }
  std::printf("\nfunctions: %u imported, %u defined\n", info->imported_function_count,
              info->defined_function_count);
  if (!info->custom_sections.empty()) {
    std::printf("custom sections:");
    for (const auto& section : info->custom_sections)
      std::printf(" %s (%zu bytes)", section.name.c_str(), section.size);
    std::printf("\n");
  }
  return version ? kExitOk : kExitError;
}

}  // namespace

void add_inspect_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd =
      app.add_subcommand("inspect", "Show a filter module's ABI version, imports and exports");
  cmd->add_option("filter", args->wasm, "The filter module (.wasm)")->required();
  cmd->add_flag("--json", args->json, "Print one JSON object");
  cmd->callback([args, &exit_code] { exit_code = inspect(*args); });
}

}  // namespace pwplay::app
