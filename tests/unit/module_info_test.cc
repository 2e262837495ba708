#include "host/module_info.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/wat.h"

namespace pwplay::host {
namespace {

using test::wat_to_wasm;

constexpr std::string_view kFilterLike = R"((module
  (type $binop (func (param i32 i32) (result i32)))
  (import "env" "log" (func $log (param i32 i32)))
  (import "env" "now" (func $now (result i64)))
  (memory $mem 2 10)
  (global $counter (mut i32) (i32.const 0))
  (table 1 funcref)
  (data (i32.const 0) "hi")
  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $init (call $log (i32.const 0) (i32.const 2)))
  (func $timestamp (result i64) (call $now))
  (func (param f32 f64) (result f64) (local.get 1))
  (export "memory" (memory $mem))
  (export "add" (func $add))
  (export "ts" (func $timestamp))
  (export "anon" (func 5))
  (start $init)
))";

// Offsets where a prefix of `bytes` ends exactly on a section boundary (such a prefix may be
// a valid module on its own).
std::vector<size_t> section_boundaries(const std::vector<uint8_t>& bytes) {
  std::vector<size_t> ends = {8};
  size_t offset = 8;
  while (offset < bytes.size()) {
    ++offset;  // section id
    uint32_t size = 0;
    for (int shift = 0;; shift += 7) {
      const uint8_t b = bytes[offset++];
      size |= static_cast<uint32_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
    }
    offset += size;
    ends.push_back(offset);
  }
  return ends;
}

TEST(ModuleInfoTest, ReadsImportsExportsMemoryAndNames) {
  const std::vector<uint8_t> wasm = wat_to_wasm(kFilterLike);
  Result<ModuleInfo> read = read_module_info(wasm);
  ASSERT_TRUE(read) << read.error().message;
  const ModuleInfo& info = *read;

  EXPECT_EQ(info.size_bytes, wasm.size());

  ASSERT_EQ(info.imports.size(), 2u);
  EXPECT_EQ(info.imports[0].module, "env");
  EXPECT_EQ(info.imports[0].name, "log");
  EXPECT_EQ(info.imports[0].kind, ExternKind::Function);
  EXPECT_EQ(info.imports[0].type, (FuncType{{ValType::I32, ValType::I32}, {}}));
  EXPECT_EQ(info.imports[1].name, "now");
  EXPECT_EQ(info.imports[1].type, (FuncType{{}, {ValType::I64}}));

  ASSERT_EQ(info.exports.size(), 4u);
  EXPECT_EQ(info.exports[0].name, "memory");
  EXPECT_EQ(info.exports[0].kind, ExternKind::Memory);
  EXPECT_EQ(info.exports[1].name, "add");
  EXPECT_EQ(info.exports[1].kind, ExternKind::Function);
  EXPECT_EQ(info.exports[1].type, (FuncType{{ValType::I32, ValType::I32}, {ValType::I32}}));
  EXPECT_EQ(info.exports[2].name, "ts");
  EXPECT_EQ(info.exports[2].type, (FuncType{{}, {ValType::I64}}));
  EXPECT_EQ(info.exports[3].name, "anon");
  EXPECT_EQ(info.exports[3].type, (FuncType{{ValType::F32, ValType::F64}, {ValType::F64}}));
  ASSERT_NE(info.find_export("ts"), nullptr);
  EXPECT_EQ(info.find_export("ts")->name, "ts");
  EXPECT_EQ(info.find_export("missing"), nullptr);

  ASSERT_EQ(info.memories.size(), 1u);
  EXPECT_EQ(info.memories[0].min_pages, 2u);
  EXPECT_EQ(info.memories[0].max_pages, std::optional<uint64_t>(10));
  EXPECT_FALSE(info.memories[0].imported);
  EXPECT_TRUE(info.memories[0].exported);
  EXPECT_EQ(info.memories[0].export_name, "memory");

  EXPECT_EQ(info.imported_function_count, 2u);
  EXPECT_EQ(info.defined_function_count, 4u);
  EXPECT_EQ(info.function_names,
            (std::vector<std::string>{"log", "now", "add", "init", "timestamp", ""}));
  EXPECT_EQ(info.function_name(3), "init");
  EXPECT_EQ(info.function_name(99), "");

  EXPECT_TRUE(info.has_start_section);
  EXPECT_EQ(info.start_function, std::optional<uint32_t>(3));
  EXPECT_EQ(info.type_count, 5u);
  EXPECT_EQ(info.global_count, 1u);
  EXPECT_EQ(info.table_count, 1u);
  EXPECT_EQ(info.data_segment_count, 1u);
  EXPECT_EQ(info.elem_segment_count, 0u);

  ASSERT_EQ(info.custom_sections.size(), 1u);
  EXPECT_EQ(info.custom_sections[0].name, "name");
  EXPECT_GT(info.custom_sections[0].size, 0u);
}

TEST(ModuleInfoTest, MapsCodeOffsetsToFunctions) {
  const std::vector<uint8_t> wasm = wat_to_wasm(kFilterLike);
  Result<ModuleInfo> info = read_module_info(wasm);
  ASSERT_TRUE(info) << info.error().message;
  ASSERT_EQ(info->function_bodies.size(), 4u);
  for (uint32_t i = 0; i < info->function_bodies.size(); ++i) {
    const ModuleInfo::FunctionBody& body = info->function_bodies[i];
    ASSERT_LE(body.offset + body.size, wasm.size());
    EXPECT_EQ(wasm[body.offset + body.size - 1], 0x0b) << "a body ends with `end`";
    EXPECT_EQ(info->function_at_offset(body.offset), 2 + i);
    EXPECT_EQ(info->function_at_offset(body.offset + body.size - 1), 2 + i);
  }
  EXPECT_EQ(info->function_at_offset(0), std::nullopt);
  EXPECT_EQ(info->function_at_offset(static_cast<uint32_t>(wasm.size())), std::nullopt);
}

TEST(ModuleInfoTest, ListsCustomSections) {
  std::vector<uint8_t> wasm = wat_to_wasm("(module (memory (import \"env\" \"memory\") 1))");
  const std::string name = "pwplay.meta";
  const std::vector<uint8_t> payload = {1, 2, 3, 4, 5};
  wasm.push_back(0);  // custom section id
  wasm.push_back(static_cast<uint8_t>(1 + name.size() + payload.size()));
  wasm.push_back(static_cast<uint8_t>(name.size()));
  wasm.insert(wasm.end(), name.begin(), name.end());
  wasm.insert(wasm.end(), payload.begin(), payload.end());

  Result<ModuleInfo> info = read_module_info(wasm);
  ASSERT_TRUE(info) << info.error().message;
  ASSERT_FALSE(info->custom_sections.empty());
  const ModuleInfo::CustomSection& last = info->custom_sections.back();
  EXPECT_EQ(last.name, "pwplay.meta");
  EXPECT_EQ(last.size, 1 + name.size() + payload.size());
  EXPECT_EQ(last.offset + last.size, wasm.size());

  ASSERT_EQ(info->memories.size(), 1u);
  EXPECT_TRUE(info->memories[0].imported);
  EXPECT_FALSE(info->memories[0].exported);
  EXPECT_EQ(info->memories[0].max_pages, std::nullopt);
  ASSERT_EQ(info->imports.size(), 1u);
  EXPECT_EQ(info->imports[0].kind, ExternKind::Memory);
  EXPECT_FALSE(info->has_start_section);
}

TEST(ModuleInfoTest, ToleratesABadNameSection) {
  std::vector<uint8_t> wasm = wat_to_wasm("(module (func (export \"f\")))");
  const std::vector<uint8_t> bad_name_section = {
      0x00, 0x08, 0x04, 'n', 'a', 'm', 'e', 0x01, 0x7f, 0x00};  // subsection larger than it
  wasm.insert(wasm.end(), bad_name_section.begin(), bad_name_section.end());
  Result<ModuleInfo> info = read_module_info(wasm);
  ASSERT_TRUE(info) << info.error().message;
  ASSERT_EQ(info->exports.size(), 1u);
  EXPECT_EQ(info->custom_sections.back().name, "name");
}

TEST(ModuleInfoTest, RejectsBadMagic) {
  const std::vector<uint8_t> text = {'(', 'm', 'o', 'd', 'u', 'l', 'e', ')'};
  Result<ModuleInfo> info = read_module_info(text);
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().message, "not a wasm module (bad magic)");

  Result<ModuleInfo> empty = read_module_info({});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message, "not a wasm module (bad magic)");
}

TEST(ModuleInfoTest, RejectsUnknownVersion) {
  const std::vector<uint8_t> wasm = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};
  Result<ModuleInfo> info = read_module_info(wasm);
  ASSERT_FALSE(info);
  EXPECT_NE(info.error().message.find("version"), std::string::npos) << info.error().message;
}

TEST(ModuleInfoTest, RejectsTruncatedModules) {
  const std::vector<uint8_t> wasm = wat_to_wasm(kFilterLike);
  const std::vector<size_t> boundaries = section_boundaries(wasm);
  ASSERT_EQ(boundaries.back(), wasm.size());
  int cuts = 0;
  for (size_t length = 4; length < wasm.size(); ++length) {
    if (std::find(boundaries.begin(), boundaries.end(), length) != boundaries.end()) continue;
    const std::vector<uint8_t> cut(wasm.begin(), wasm.begin() + static_cast<long>(length));
    Result<ModuleInfo> info = read_module_info(cut);
    ASSERT_FALSE(info) << "a module cut at " << length << " bytes was accepted";
    EXPECT_EQ(info.error().message.rfind("invalid wasm module: ", 0), 0u) << info.error().message;
    EXPECT_NE(info.error().message.find(" at offset 0x"), std::string::npos)
        << info.error().message;
    ++cuts;
  }
  EXPECT_GT(cuts, 50);
}

TEST(ModuleInfoTest, RejectsInvalidCode) {
  std::vector<uint8_t> wasm =
      wat_to_wasm("(module (func (export \"f\") (result i32) (i32.const 7)))");
  Result<ModuleInfo> valid = read_module_info(wasm);
  ASSERT_TRUE(valid) << valid.error().message;
  ASSERT_EQ(valid->function_bodies.size(), 1u);
  // Body: 0 locals, i32.const 7, end. Turning i32.const into i64.const breaks the result type.
  const uint32_t body = valid->function_bodies[0].offset;
  ASSERT_EQ(wasm[body + 1], 0x41);
  wasm[body + 1] = 0x42;

  Result<ModuleInfo> info = read_module_info(wasm);
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().message.rfind("invalid wasm module: ", 0), 0u) << info.error().message;
  EXPECT_NE(info.error().message.find("type mismatch"), std::string::npos) << info.error().message;
  EXPECT_NE(info.error().message.find("at offset 0x"), std::string::npos) << info.error().message;
}

TEST(ModuleInfoTest, RejectsMalformedBlockStructure) {
  // WABT's own wasm-validate aborts on these; read_module_info must return an error instead.
  const std::vector<uint8_t> block_in_global_init = {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // header
      0x06, 0x07, 0x01, 0x7f, 0x01,                    // global section: mutable i32 =
      0x02, 0x40, 0x0b, 0x0b};                         //   block end end
  const std::vector<uint8_t> else_without_if = {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,   // header
      0x01, 0x04, 0x01, 0x60, 0x00, 0x00,               // type section: () -> ()
      0x03, 0x02, 0x01, 0x00,                           // function section: one function
      0x0a, 0x06, 0x01, 0x04, 0x00, 0x05, 0x0b, 0x0b};  // code: no locals, else end end
  for (const std::vector<uint8_t>& wasm : {block_in_global_init, else_without_if}) {
    Result<ModuleInfo> info = read_module_info(wasm);
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().message.rfind("invalid wasm module: ", 0), 0u) << info.error().message;
  }
}

TEST(ModuleInfoTest, FormatsFunctionTypes) {
  EXPECT_EQ(to_string(FuncType{{ValType::I32, ValType::I32}, {ValType::I32}}), "(i32, i32) -> i32");
  EXPECT_EQ(to_string(FuncType{}), "() -> ()");
  EXPECT_EQ(to_string(FuncType{{ValType::F64}, {ValType::I32, ValType::I64}}),
            "(f64) -> (i32, i64)");
  EXPECT_EQ(val_type_name(ValType::F32), "f32");
  EXPECT_EQ(vm_fault_name(VmFault::HostTrap), "host trap");
}

}  // namespace
}  // namespace pwplay::host
