// `pwplay inspect FILTER.wasm [--json] [--wat FUNC]`: the module's ABI version, imports and
// exports (marking those outside the proxy-wasm ABI), memories, tables, globals, data segments,
// functions and their sizes, custom sections (names, DWARF, producers), the engines that can run
// it, without running it. `--wat FUNC` prints one function as WAT with each instruction's offset
// in the .wasm file.
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/enums.h"
#include "abi/functions.h"
#include "app/cli/commands.h"
#include "debugger/module_view.h"
#include "debugger/runner.h"
#include "host/disassembly.h"
#include "host/module_info.h"
#include "host/trace.h"
#include "host/vm.h"

namespace pwplay::app {
namespace {

struct InspectArgs {
  std::string wasm;
  bool json = false;
  std::string wat;  // a function name or index
};

std::string hex(uint64_t value) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(value));
  return buffer;
}

std::string limits(uint64_t min, const std::optional<uint64_t>& max) {
  return std::to_string(min) + ".." + (max ? std::to_string(*max) : std::string("unbounded"));
}

// Engines that run wasm modules, with their versions (native runs .so builds instead).
std::string engines_line() {
  std::string line;
  for (const std::string& engine : host::available_engines()) {
    if (!line.empty()) line += ", ";
    line += engine + " " + host::engine_version(engine);
  }
  return line;
}

int print_wat(const InspectArgs& args, const std::vector<uint8_t>& bytes) {
  auto wat = host::disassemble(bytes);
  if (!wat) {
    return report_failure("inspect", kExitError, args.wasm + ": " + wat.error().message);
  }
  const host::FunctionWat* function = wat->find(args.wat);
  if (!function) {
    return report_failure("inspect", kExitError,
                          args.wasm + ": no defined function '" + args.wat +
                              "' (give a name from the name section, such as "
                              "proxy_on_request_headers, or a function index)");
  }
  if (args.json) {
    nlohmann::json out;
    out["function_index"] = function->function_index;
    out["name"] = function->name;
    out["header"] = function->header;
    out["locals"] = function->locals;
    nlohmann::json lines = nlohmann::json::array();
    for (const auto& instruction : function->instructions)
      lines.push_back({{"offset", instruction.offset},
                       {"depth", instruction.depth},
                       {"text", instruction.text}});
    out["instructions"] = lines;
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << host::format_function_wat(*function);
  return kExitOk;
}

int inspect(const InspectArgs& args) {
  auto bytes = debugger::read_wasm_file(args.wasm);
  if (!bytes) {
    return report_failure("inspect", kExitError, bytes.error().message);
  }
  if (!args.wat.empty()) return print_wat(args, *bytes);
  auto info = host::read_module_info(*bytes);
  if (!info) {
    return report_failure("inspect", kExitError, args.wasm + ": " + info.error().message);
  }
  auto version = debugger::detect_abi_version(*info);

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
                              {"kind", host::extern_kind_name(import.kind)},
                              {"abi", host::is_abi_import(import)}};
      if (import.kind == host::ExternKind::Function) entry["type"] = host::to_string(import.type);
      imports.push_back(entry);
    }
    out["imports"] = imports;
    nlohmann::json exports = nlohmann::json::array();
    for (const auto& e : info->exports) {
      nlohmann::json entry = {{"name", e.name},
                              {"kind", host::extern_kind_name(e.kind)},
                              {"abi", host::is_abi_export(e)}};
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
    nlohmann::json bodies = nlohmann::json::array();
    for (size_t i = 0; i < info->function_bodies.size(); ++i) {
      const uint32_t index = info->imported_function_count + static_cast<uint32_t>(i);
      bodies.push_back({{"index", index},
                        {"name", std::string(info->function_name(index))},
                        {"offset", info->function_bodies[i].offset},
                        {"size", info->function_bodies[i].size}});
    }
    out["function_bodies"] = bodies;
    nlohmann::json tables = nlohmann::json::array();
    for (const auto& table : info->tables) {
      tables.push_back({{"element_type", table.element_type},
                        {"min", table.min},
                        {"max", table.max ? nlohmann::json(*table.max) : nlohmann::json(nullptr)},
                        {"imported", table.imported}});
    }
    out["tables"] = tables;
    nlohmann::json globals = nlohmann::json::array();
    for (const auto& global : info->globals) {
      globals.push_back({{"type", global.type},
                         {"mutable", global.is_mutable},
                         {"imported", global.imported},
                         {"init", global.init}});
    }
    out["globals"] = globals;
    nlohmann::json segments = nlohmann::json::array();
    for (const auto& segment : info->data_segments) {
      segments.push_back({{"active", segment.active},
                          {"memory", segment.memory_index},
                          {"offset", segment.offset},
                          {"size", segment.size}});
    }
    out["data_segments"] = segments;
    nlohmann::json producers = nlohmann::json::array();
    for (const auto& [field, value] : info->producers)
      producers.push_back({{"field", field}, {"value", value}});
    out["producers"] = producers;
    out["dwarf"] = info->has_dwarf();
    out["name_section"] = info->has_name_section();
    nlohmann::json sections = nlohmann::json::array();
    for (const auto& section : info->sections)
      sections.push_back({{"id", section.id},
                          {"name", section.name},
                          {"offset", section.offset},
                          {"size", section.size}});
    out["sections"] = sections;
    nlohmann::json engines = nlohmann::json::array();
    for (const std::string& engine : host::available_engines())
      engines.push_back({{"name", engine}, {"version", host::engine_version(engine)}});
    out["engines"] = engines;
    out["has_start_section"] = info->has_start_section;
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return version ? kExitOk : kExitError;
  }

  std::printf("%s: %zu bytes\n", text(args.wasm).c_str(), info->size_bytes);
  if (version)
    std::printf("ABI version: %s\n", abi::name(*version).c_str());
  else
    std::printf("ABI version: none usable (%s)\n", version.error().message.c_str());
  std::printf("\nimports (%zu):\n", info->imports.size());
  for (const auto& import : info->imports) {
    std::printf(
        "  %s %s.%s %s%s\n", host::extern_kind_name(import.kind), text(import.module).c_str(),
        text(import.name).c_str(),
        import.kind == host::ExternKind::Function ? host::to_string(import.type).c_str() : "",
        host::is_abi_import(import) ? "" : "   <- not part of the proxy-wasm ABI");
  }
  std::printf("\nexports (%zu):\n", info->exports.size());
  for (const auto& e : info->exports) {
    std::printf("  %s %s %s%s\n", host::extern_kind_name(e.kind), text(e.name).c_str(),
                e.kind == host::ExternKind::Function ? host::to_string(e.type).c_str() : "",
                host::is_abi_export(e) ? "" : "   <- not part of the proxy-wasm ABI");
  }
  std::printf("\nmemories:\n");
  for (const auto& memory : info->memories) {
    std::printf("  %llu pages (%llu KiB) initial, max %s%s%s\n",
                static_cast<unsigned long long>(memory.min_pages),
                static_cast<unsigned long long>(memory.min_pages * 64),
                memory.max_pages ? std::to_string(*memory.max_pages).c_str() : "none",
                memory.imported ? ", imported" : "", memory.exported ? ", exported" : "");
  }
  if (!info->tables.empty()) {
    std::printf("\ntables:\n");
    for (size_t i = 0; i < info->tables.size(); ++i) {
      const auto& table = info->tables[i];
      std::printf("  %zu: %s %s%s\n", i, table.element_type.c_str(),
                  limits(table.min, table.max).c_str(), table.imported ? ", imported" : "");
    }
  }
  if (!info->globals.empty()) {
    std::printf("\nglobals:\n");
    for (size_t i = 0; i < info->globals.size(); ++i) {
      const auto& global = info->globals[i];
      std::printf("  %zu: %s%s%s%s\n", i, global.is_mutable ? "mut " : "", global.type.c_str(),
                  global.imported ? ", imported" : "",
                  global.init.empty() ? "" : (" = " + global.init).c_str());
    }
  }
  if (!info->data_segments.empty()) {
    std::printf("\ndata segments (%zu):\n", info->data_segments.size());
    for (size_t i = 0; i < info->data_segments.size(); ++i) {
      const auto& segment = info->data_segments[i];
      if (segment.active)
        std::printf("  %zu: %zu bytes into memory %u at %s\n", i, segment.size,
                    segment.memory_index, segment.offset.c_str());
      else
        std::printf("  %zu: %zu bytes, passive\n", i, segment.size);
    }
  }
  std::printf("\nfunctions: %u imported, %u defined\n", info->imported_function_count,
              info->defined_function_count);
  for (size_t i = 0; i < info->function_bodies.size(); ++i) {
    const uint32_t index = info->imported_function_count + static_cast<uint32_t>(i);
    std::string_view name = info->function_name(index);
    std::printf("  %5u %-40s %7u bytes at %s\n", index,
                name.empty() ? "(unnamed)" : text(name).c_str(), info->function_bodies[i].size,
                hex(info->function_bodies[i].offset).c_str());
  }
  if (!info->custom_sections.empty()) {
    bool dwarf = false;
    std::printf("\ncustom sections:\n");
    for (const auto& section : info->custom_sections) {
      dwarf = dwarf || section.dwarf();
      std::printf("  %s (%zu bytes at %s)%s\n", text(section.name).c_str(), section.size,
                  hex(section.offset).c_str(), section.dwarf() ? "  DWARF" : "");
    }
    std::printf("DWARF debug info: %s\n", dwarf ? "yes" : "no");
  }
  if (!info->producers.empty()) {
    std::printf("producers:\n");
    for (const auto& [field, value] : info->producers)
      std::printf("  %s: %s\n", text(field).c_str(), text(value).c_str());
  }
  std::printf("\nengines: %s (native runs a .so built from the same sources)\n",
              engines_line().c_str());
  return version ? kExitOk : kExitError;
}

}  // namespace

void add_inspect_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd =
      app.add_subcommand("inspect", "Show a filter module's ABI version, imports and exports");
  cmd->add_option("filter", args->wasm, "The filter module (.wasm)")->required();
  cmd->add_flag("--json", args->json, "Print one JSON object");
  cmd->add_option("--wat", args->wat,
                  "Print function FUNC (a name or an index) as WAT, each instruction after its "
                  "offset in the .wasm file");
  cmd->callback([args, &exit_code] { exit_code = inspect(*args); });
}

}  // namespace pwplay::app
