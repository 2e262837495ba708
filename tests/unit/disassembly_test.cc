// The module inspector: ModuleInfo's sections (tables, globals, data, producers, DWARF), the WAT
// disassembly with instruction offsets, and how both treat invalid and truncated modules.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "host/disassembly.h"
#include "host/module_info.h"
#include "host/wasm_instructions.h"
#include "support/wat.h"

namespace pwplay::host {
namespace {

using test::wat_to_wasm;

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)), {});
}

std::vector<std::string> wasm_samples() {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(PWPLAY_SAMPLES_DIR)) {
    if (entry.path().extension() == ".wasm") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

void append_leb(std::vector<uint8_t>& out, uint32_t value) {
  do {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    out.push_back(value ? (byte | 0x80) : byte);
  } while (value);
}

void append_name(std::vector<uint8_t>& out, std::string_view name) {
  append_leb(out, static_cast<uint32_t>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
}

// Appends a custom section (custom sections may come anywhere, the end included).
void append_custom(std::vector<uint8_t>& wasm, std::string_view name,
                   const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> body;
  append_name(body, name);
  body.insert(body.end(), payload.begin(), payload.end());
  wasm.push_back(0);
  append_leb(wasm, static_cast<uint32_t>(body.size()));
  wasm.insert(wasm.end(), body.begin(), body.end());
}

constexpr std::string_view kShapes = R"((module
  (import "env" "imported" (global $imported i32))
  (table 2 8 funcref)
  (memory (export "memory") 1 4)
  (global $heap (mut i32) (i32.const 4096))
  (global $wide i64 (i64.const -5))
  (data (i32.const 1024) "hello")
  (data "passive bytes")
  (func $add (export "add") (param $a i32) (param $b i32) (result i32)
    (local $t i32)
    local.get $a
    local.get $b
    i32.add
    local.tee $t
    if (result i32)
      local.get $t
    else
      i32.const 0
    end)
  (func (export "unnamed") (result i32) i32.const 7)
))";

TEST(ModuleInfoTest, ReportsTablesGlobalsDataAndCustomSections) {
  std::vector<uint8_t> wasm = wat_to_wasm(kShapes);
  std::vector<uint8_t> producers;
  append_leb(producers, 1);  // one field
  append_name(producers, "processed-by");
  append_leb(producers, 1);
  append_name(producers, "clang");
  append_name(producers, "14.0.6");
  append_custom(wasm, "producers", producers);
  append_custom(wasm, ".debug_info", {1, 2, 3});

  Result<ModuleInfo> info = read_module_info(wasm);
  ASSERT_TRUE(info) << info.error().message;
  ASSERT_EQ(info->tables.size(), 1u);
  EXPECT_EQ(info->tables[0].element_type, "funcref");
  EXPECT_EQ(info->tables[0].min, 2u);
  EXPECT_EQ(info->tables[0].max, std::optional<uint64_t>(8));
  ASSERT_EQ(info->globals.size(), 3u);
  EXPECT_TRUE(info->globals[0].imported);
  EXPECT_EQ(info->globals[1].type, "i32");
  EXPECT_TRUE(info->globals[1].is_mutable);
  EXPECT_EQ(info->globals[1].init, "i32.const 4096");
  EXPECT_EQ(info->globals[2].init, "i64.const -5");
  ASSERT_EQ(info->data_segments.size(), 2u);
  EXPECT_TRUE(info->data_segments[0].active);
  EXPECT_EQ(info->data_segments[0].offset, "i32.const 1024");
  EXPECT_EQ(info->data_segments[0].size, 5u);
  EXPECT_FALSE(info->data_segments[1].active);
  EXPECT_EQ(info->data_segments[1].size, 13u);
  ASSERT_EQ(info->producers.size(), 1u);
  EXPECT_EQ(info->producers[0].first, "processed-by");
  EXPECT_EQ(info->producers[0].second, "clang 14.0.6");
  bool dwarf = false;
  for (const auto& section : info->custom_sections) dwarf = dwarf || section.dwarf();
  EXPECT_TRUE(dwarf);
  ASSERT_EQ(info->function_bodies.size(), 2u);
  EXPECT_GT(info->function_bodies[0].size, 10u);
  EXPECT_EQ(info->export_indices.size(), info->exports.size());
}

TEST(DisassemblyTest, EachInstructionIsALineWithItsOffset) {
  const std::vector<uint8_t> wasm = wat_to_wasm(kShapes);
  Result<ModuleWat> wat = disassemble(wasm);
  ASSERT_TRUE(wat) << wat.error().message;
  const FunctionWat* add = wat->find("add");
  ASSERT_TRUE(add);
  EXPECT_EQ(add, wat->find("$add"));
  EXPECT_EQ(add, wat->find("0"));
  EXPECT_EQ(add->header, "(func $add (type $t0) (param $a i32) (param $b i32) (result i32)");
  EXPECT_EQ(add->locals, "(local $t i32)");
  EXPECT_EQ(add->local_names, (std::vector<std::string>{"a", "b", "t"}));
  std::vector<std::string> texts;
  std::vector<uint32_t> depths;
  for (const auto& instruction : add->instructions) {
    texts.push_back(instruction.text);
    depths.push_back(instruction.depth);
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"local.get $a", "local.get $b", "i32.add",
                                             "local.tee $t", "if $I0 (result i32)", "local.get $t",
                                             "else", "i32.const 0", "end", "end"}));
  EXPECT_EQ(depths, (std::vector<uint32_t>{0, 0, 0, 0, 0, 1, 0, 1, 0, 0}));
  // The bytes at the offsets are the opcodes.
  const std::vector<uint8_t> opcodes = {0x20, 0x20, 0x6a, 0x22, 0x04, 0x20, 0x05, 0x41, 0x0b, 0x0b};
  for (size_t i = 0; i < opcodes.size(); ++i) {
    EXPECT_EQ(wasm[add->instructions[i].offset], opcodes[i]) << texts[i];
    EXPECT_EQ(wat->instruction_at(add->instructions[i].offset), &add->instructions[i]);
  }
  EXPECT_EQ(wat->instruction_at(add->instructions[0].offset + 1), nullptr) << "an immediate";

  // Unnamed functions are found by index.
  const FunctionWat* unnamed = wat->find("1");
  ASSERT_TRUE(unnamed);
  EXPECT_EQ(unnamed->name, "");
  EXPECT_EQ(wat->find("nosuch"), nullptr);
  EXPECT_EQ(wat->find("99"), nullptr);

  const std::string text = format_function_wat(*add);
  char first[32];
  std::snprintf(first, sizeof first, "0x%08x  local.get $a", add->instructions[0].offset);
  EXPECT_NE(text.find(first), std::string::npos) << text;
  EXPECT_NE(text.find("    local.get $t"), std::string::npos) << "indented inside the if";
}

// Every instruction of every sample: the text names the opcode found at the offset.
TEST(DisassemblyTest, OffsetsPointAtTheRightInstructionsInEverySample) {
  const std::vector<std::string> samples = wasm_samples();
  ASSERT_GE(samples.size(), 15u) << "build the samples first";
  for (const std::string& path : samples) {
    SCOPED_TRACE(path);
    const std::vector<uint8_t> wasm = read_file(path);
    Result<ModuleWat> wat = disassemble(wasm);
    ASSERT_TRUE(wat) << wat.error().message;
    InstructionWalker walker;
    ASSERT_TRUE(wabt::Succeeded(read_instructions(wasm.data(), wasm.size(), walker)));
    ASSERT_EQ(wat->functions.size(), walker.functions.size());
    size_t checked = 0;
    for (size_t f = 0; f < walker.functions.size(); ++f) {
      const FunctionCode& code = walker.functions[f];
      const FunctionWat& function = wat->functions[f];
      ASSERT_EQ(function.instructions.size(), code.offsets.size());
      EXPECT_EQ(function.function_index, code.function_index);
      for (size_t i = 0; i < code.offsets.size(); ++i) {
        const WatInstruction& instruction = function.instructions[i];
        const wabt::Opcode opcode = code.opcodes[i];
        const std::string name = opcode.GetName();
        ASSERT_EQ(instruction.offset, code.offsets[i]);
        ASSERT_EQ(instruction.text.compare(0, name.size(), name), 0)
            << instruction.text << " is not " << name;
        ASSERT_EQ(wasm[instruction.offset],
                  opcode.HasPrefix() ? opcode.GetPrefix() : opcode.GetCode())
            << instruction.text;
        ++checked;
      }
    }
    EXPECT_GT(checked, 0u);
  }
}

TEST(DisassemblyTest, InvalidModulesGetWabtsMessageAndOffset) {
  // A function of type () -> i32 whose body is `i32.add` with nothing on the stack.
  const std::vector<uint8_t> invalid = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // header
                                        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,        // types
                                        0x03, 0x02, 0x01, 0x00,                          // funcs
                                        0x0a, 0x05, 0x01, 0x03, 0x00, 0x6a, 0x0b};       // code
  Result<ModuleInfo> info = read_module_info(invalid);
  ASSERT_FALSE(info);
  EXPECT_NE(info.error().message.find("invalid wasm module: type mismatch"), std::string::npos)
      << info.error().message;
  EXPECT_NE(info.error().message.find(" at offset 0x"), std::string::npos) << info.error().message;
  Result<ModuleWat> wat = disassemble(invalid);
  ASSERT_FALSE(wat);
  EXPECT_EQ(wat.error().message, info.error().message);

  const std::vector<uint8_t> garbage = {'n', 'o', 't', ' ', 'w', 'a', 's', 'm'};
  EXPECT_EQ(disassemble(garbage).error().message, "not a wasm module (bad magic)");
}

// WABT's readers abort the process on some malformed input; every prefix of a real module must
// come back as an error instead.
TEST(DisassemblyTest, TruncatedModulesAreErrorsNotCrashes) {
  const std::vector<uint8_t> wasm = read_file(std::string(PWPLAY_SAMPLES_DIR) + "/trap.wasm");
  ASSERT_GT(wasm.size(), 100u);
  for (size_t size = 0; size < wasm.size(); ++size) {
    std::span<const uint8_t> prefix(wasm.data(), size);
    Result<ModuleWat> wat = disassemble(prefix);
    // A prefix may end exactly after a section and still be a valid (smaller) module.
    if (wat) continue;
    EXPECT_FALSE(wat.error().message.empty()) << size;
  }
  EXPECT_TRUE(disassemble(wasm));
}

}  // namespace
}  // namespace pwplay::host
