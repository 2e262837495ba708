// WAT comes from WABT's own writer (GenerateNames, ApplyNames, WriteWat into a memory stream)
// with folding off, so that each instruction is one line, in file order, with block ends as
// `end` lines; the final `end` of a function is not written (its closing parenthesis ends the
// last line). Instruction offsets come from InstructionWalker: the n-th line of a body is the n-th
// instruction of the function. WABT's IR keeps only an offset past each instruction's immediates,
// not where the instruction starts.
#include "host/disassembly.h"

#include <algorithm>

#include <wabt/apply-names.h>
#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader.h>
#include <wabt/generate-names.h>
#include <wabt/ir.h>
#include <wabt/stream.h>
#include <wabt/wat-writer.h>

#include <charconv>
#include <cstdio>
#include <exception>
#include <iterator>

#include "host/module_info.h"
#include "host/wasm_instructions.h"

namespace pwplay::host {
namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

size_t indent_of(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[n] == ' ') ++n;
  return n;
}

// Local names from the name section, before GenerateNames fills in the missing ones.
std::vector<std::string> real_local_names(const wabt::Func& func) {
  std::vector<std::string> names(func.GetNumParamsAndLocals());
  for (const auto& [name, binding] : func.bindings) {
    if (binding.index >= names.size()) continue;
    std::string_view text = name;
    if (!text.empty() && text.front() == '$') text.remove_prefix(1);
    names[binding.index] = std::string(text);
  }
  return names;
}

void drop_names_out_of_range(wabt::BindingHash& bindings, size_t count) {
  for (auto it = bindings.begin(); it != bindings.end();) {
    it = it->second.index >= count ? bindings.erase(it) : std::next(it);
  }
}

// The name section is the module's to write: a name whose index lies past what it names (a
// local 9 of a function with two locals) is read as is, and WABT's naming passes assert on it,
// aborting the process. Such names name nothing, so they are dropped first.
void drop_names_out_of_range(wabt::Module& module) {
  for (wabt::Func* func : module.funcs) {
    if (func != nullptr) drop_names_out_of_range(func->bindings, func->GetNumParamsAndLocals());
  }
  drop_names_out_of_range(module.func_bindings, module.funcs.size());
  drop_names_out_of_range(module.global_bindings, module.globals.size());
  drop_names_out_of_range(module.type_bindings, module.types.size());
  drop_names_out_of_range(module.table_bindings, module.tables.size());
  drop_names_out_of_range(module.memory_bindings, module.memories.size());
  drop_names_out_of_range(module.tag_bindings, module.tags.size());
  drop_names_out_of_range(module.data_segment_bindings, module.data_segments.size());
  drop_names_out_of_range(module.elem_segment_bindings, module.elem_segments.size());
}

Result<ModuleWat> disassemble_checked(std::span<const uint8_t> bytes, const ModuleInfo& info) {
  InstructionWalker walker;
  if (wabt::Failed(read_instructions(bytes.data(), bytes.size(), walker))) {
    return make_error("invalid wasm module: cannot read the code section");
  }

  wabt::Module module;
  wabt::Errors errors;
  if (wabt::Failed(wabt::ReadBinaryIr("module.wasm", bytes.data(), bytes.size(),
                                      wasm_read_options(), &errors, &module))) {
    return make_error("invalid wasm module: cannot read it for disassembly");
  }
  std::vector<std::vector<std::string>> local_names;
  for (size_t i = module.num_func_imports; i < module.funcs.size(); ++i) {
    local_names.push_back(real_local_names(*module.funcs[i]));
  }
  drop_names_out_of_range(module);
  // Export indices are read before this point (read_module_info): ApplyNames rewrites them.
  if (wabt::Failed(wabt::GenerateNames(&module)) || wabt::Failed(wabt::ApplyNames(&module))) {
    return make_error("cannot name the module's functions for disassembly");
  }
  wabt::WriteWatOptions options;
  options.fold_exprs = false;
  options.inline_export = false;
  options.inline_import = false;
  wabt::MemoryStream stream;
  if (wabt::Failed(wabt::WriteWat(&stream, &module, options))) {
    return make_error("cannot write the module as WAT");
  }
  const std::vector<uint8_t>& data = stream.output_buffer().data;
  const std::string text(data.begin(), data.end());
  const std::vector<std::string_view> lines = split_lines(text);

  ModuleWat wat;
  wat.imported_function_count = info.imported_function_count;
  size_t line = 0;
  for (size_t f = 0; f < walker.functions.size(); ++f) {
    const FunctionCode& code = walker.functions[f];
    while (line < lines.size() && !lines[line].starts_with("  (func ")) ++line;
    if (line >= lines.size())
      return make_error("disassembly: function " + std::to_string(code.function_index) +
                        " is missing from the WAT text");
    FunctionWat function;
    function.function_index = code.function_index;
    function.name = std::string(info.function_name(code.function_index));
    function.body_offset = code.body_offset;
    function.body_size = code.body_size;
    if (f < local_names.size()) function.local_names = std::move(local_names[f]);
    std::vector<std::string> body;  // the header, then every deeper line
    body.emplace_back(lines[line++].substr(2));
    while (line < lines.size() && indent_of(lines[line]) >= 4) {
      body.emplace_back(lines[line].substr(4));
      ++line;
    }
    // The function's closing parenthesis ends its last line.
    if (!body.back().empty() && body.back().back() == ')') body.back().pop_back();
    function.header = body.front();
    size_t first = 1;
    if (body.size() > 1 && body[1].starts_with("(local")) function.locals = body[first++];
    const size_t instruction_lines = body.size() - first;
    const bool lines_match = instruction_lines + 1 == code.offsets.size();
    for (size_t i = 0; i < code.offsets.size(); ++i) {
      WatInstruction instruction;
      instruction.offset = code.offsets[i];
      if (i + 1 == code.offsets.size()) {
        instruction.text = "end";
      } else if (lines_match) {
        std::string_view text_line = body[first + i];
        const size_t indent = indent_of(text_line);
        instruction.depth = static_cast<uint32_t>(indent / 2);
        instruction.text = std::string(text_line.substr(indent));
      } else {
        // Should not happen; the opcode alone still names the instruction.
        instruction.text = code.opcodes[i].GetName();
      }
      function.instructions.push_back(std::move(instruction));
    }
    wat.functions.push_back(std::move(function));
  }
  return wat;
}

}  // namespace

const FunctionWat* ModuleWat::function(uint32_t function_index) const {
  if (function_index < imported_function_count) return nullptr;
  const size_t defined = function_index - imported_function_count;
  return defined < functions.size() ? &functions[defined] : nullptr;
}

const FunctionWat* ModuleWat::find(std::string_view name_or_index) const {
  if (!name_or_index.empty() && name_or_index.front() == '$') name_or_index.remove_prefix(1);
  for (const FunctionWat& f : functions) {
    if (!f.name.empty() && f.name == name_or_index) return &f;
  }
  uint32_t index = 0;
  auto [end, error] =
      std::from_chars(name_or_index.data(), name_or_index.data() + name_or_index.size(), index);
  if (error == std::errc() && end == name_or_index.data() + name_or_index.size()) {
    return function(index);
  }
  // WABT's generated names ("$f12") name unnamed functions in the WAT text.
  for (const FunctionWat& f : functions) {
    std::string_view header = f.header;
    const std::string prefix = "(func $" + std::string(name_or_index);
    if (header.starts_with(prefix) &&
        (header.size() == prefix.size() || header[prefix.size()] == ' ')) {
      return &f;
    }
  }
  return nullptr;
}

const WatInstruction* ModuleWat::instruction_at(uint32_t file_offset) const {
  for (const FunctionWat& f : functions) {
    if (file_offset < f.body_offset || file_offset >= f.body_offset + f.body_size) continue;
    for (const WatInstruction& instruction : f.instructions) {
      if (instruction.offset == file_offset) return &instruction;
    }
    return nullptr;
  }
  return nullptr;
}

std::span<const WatInstruction> instructions_around(const FunctionWat& function,
                                                    uint32_t file_offset, size_t before,
                                                    size_t after) {
  const auto& all = function.instructions;
  auto at = std::find_if(all.begin(), all.end(), [&](const WatInstruction& instruction) {
    return instruction.offset == file_offset;
  });
  if (at == all.end()) return {};
  const size_t index = static_cast<size_t>(at - all.begin());
  const size_t first = index > before ? index - before : 0;
  const size_t last = std::min(all.size(), index + after + 1);
  return std::span<const WatInstruction>(all.data() + first, last - first);
}

Result<ModuleWat> disassemble(std::span<const uint8_t> bytes) {
  // read_module_info guards WABT's readers against the malformed modules they abort on.
  Result<ModuleInfo> info = read_module_info(bytes);
  if (!info) return unexpected(info.error());
  try {
    return disassemble_checked(bytes, *info);
  } catch (const std::exception& e) {
    return make_error(std::string("disassembly failed: ") + e.what());
  }
}

std::string format_function_wat(const FunctionWat& function) {
  std::string out = function.header + "\n";
  if (!function.locals.empty()) out += "              " + function.locals + "\n";
  for (const WatInstruction& instruction : function.instructions) {
    char offset[24];
    std::snprintf(offset, sizeof offset, "  0x%08x  ", instruction.offset);
    out += offset;
    out.append(2 * instruction.depth, ' ');
    out += instruction.text;
    out += "\n";
  }
  out += ")\n";
  return out;
}

}  // namespace pwplay::host
