#include "host/module_info.h"

#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader-nop.h>
#include <wabt/binary-reader.h>
#include <wabt/cast.h>
#include <wabt/feature.h>
#include <wabt/ir.h>
#include <wabt/validator.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <iterator>
#include <utility>

#include "abi/functions.h"
#include "host/wasm_instructions.h"

namespace pwplay::host {
namespace {

constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6d};  // "\0asm"
constexpr size_t kHeaderSize = 8;                        // magic + version
constexpr uint8_t kCustomSectionId = 0;
constexpr uint8_t kCodeSectionId = 10;

std::string hex(size_t value) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "0x%zx", value);
  return buffer;
}

// The proposals that toolchains for proxy-wasm filters emit (see wasm_features()).
wabt::Features filter_features() {
  return wasm_features();
}

Error wabt_error(const wabt::Errors& errors, std::string_view fallback) {
  for (const wabt::Error& error : errors) {
    if (error.error_level != wabt::ErrorLevel::Error) continue;
    std::string message = "invalid wasm module: " + error.message;
    if (error.loc.offset != wabt::kInvalidOffset) message += " at offset " + hex(error.loc.offset);
    return Error{std::move(message)};
  }
  return Error{"invalid wasm module: " + std::string(fallback)};
}

// Checks that blocks nest properly (every else/end matches an open block, bodies close, constant
// expressions have no blocks). Everything else is left to the IR reader and the validator.
class BlockStructureCheck : public wabt::BinaryReaderNop {
 public:
  explicit BlockStructureCheck(wabt::Errors& errors) : errors_(errors) {}

  bool OnError(const wabt::Error& error) override {
    errors_.push_back(error);
    return true;
  }

  wabt::Result BeginFunctionBody(wabt::Index, wabt::Offset) override { return begin(Frame::Body); }
  wabt::Result EndFunctionBody(wabt::Index) override {
    if (!frames_.empty()) return fail("function body ends inside a block");
    return wabt::Result::Ok;
  }
  wabt::Result BeginGlobalInitExpr(wabt::Index) override { return begin(Frame::ConstExpr); }
  wabt::Result BeginElemSegmentInitExpr(wabt::Index) override { return begin(Frame::ConstExpr); }
  wabt::Result BeginDataSegmentInitExpr(wabt::Index) override { return begin(Frame::ConstExpr); }
  wabt::Result EndGlobalInitExpr(wabt::Index) override { return end_const_expr(); }
  wabt::Result EndElemSegmentInitExpr(wabt::Index) override { return end_const_expr(); }
  wabt::Result EndDataSegmentInitExpr(wabt::Index) override { return end_const_expr(); }

  wabt::Result OnBlockExpr(wabt::Type) override { return open(Frame::Block); }
  wabt::Result OnLoopExpr(wabt::Type) override { return open(Frame::Block); }
  wabt::Result OnIfExpr(wabt::Type) override { return open(Frame::If); }
  wabt::Result OnTryExpr(wabt::Type) override { return open(Frame::Try); }
  wabt::Result OnElseExpr() override {
    if (frames_.empty() || frames_.back() != Frame::If) return fail("else without if");
    frames_.back() = Frame::Else;
    return wabt::Result::Ok;
  }
  wabt::Result OnCatchExpr(wabt::Index) override { return on_catch(); }
  wabt::Result OnCatchAllExpr() override { return on_catch(); }
  wabt::Result OnDelegateExpr(wabt::Index) override {
    if (frames_.empty() || frames_.back() != Frame::Try) return fail("delegate without try");
    frames_.pop_back();
    return wabt::Result::Ok;
  }
  wabt::Result OnEndExpr() override {
    if (frames_.empty()) return fail("end without an open block");
    frames_.pop_back();
    return wabt::Result::Ok;
  }

 private:
  enum class Frame : uint8_t { Body, ConstExpr, Block, If, Else, Try, Catch };

  wabt::Result begin(Frame frame) {
    frames_.assign(1, frame);
    return wabt::Result::Ok;
  }
  wabt::Result open(Frame frame) {
    if (frames_.empty()) return fail("instruction outside a function body");
    if (frames_.front() == Frame::ConstExpr) return fail("block in a constant expression");
    frames_.push_back(frame);
    return wabt::Result::Ok;
  }
  wabt::Result on_catch() {
    if (frames_.empty() || (frames_.back() != Frame::Try && frames_.back() != Frame::Catch)) {
      return fail("catch without try");
    }
    frames_.back() = Frame::Catch;
    return wabt::Result::Ok;
  }
  wabt::Result end_const_expr() {
    frames_.clear();
    return wabt::Result::Ok;
  }
  wabt::Result fail(std::string_view message) {
    errors_.emplace_back(wabt::ErrorLevel::Error, wabt::Location(state ? state->offset : 0),
                         message);
    return wabt::Result::Error;
  }

  wabt::Errors& errors_;
  std::vector<Frame> frames_;
};

Result<void> check_block_structure(std::span<const uint8_t> bytes,
                                   const wabt::ReadBinaryOptions& options) {
  wabt::Errors errors;
  BlockStructureCheck check(errors);
  if (wabt::Failed(wabt::ReadBinary(bytes.data(), bytes.size(), &check, options))) {
    return unexpected(wabt_error(errors, "unreadable binary"));
  }
  return {};
}

// Reads the pieces of the binary format that WABT's IR drops: section boundaries, custom
// section names, function body ranges. Bounds-checked: a malformed file yields nullopt.
class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> bytes, size_t offset) : bytes_(bytes), offset_(offset) {}

  size_t offset() const { return offset_; }
  bool at_end() const { return offset_ >= bytes_.size(); }

  std::optional<uint8_t> byte() {
    if (at_end()) return std::nullopt;
    return bytes_[offset_++];
  }

  std::optional<uint32_t> leb_u32() {
    uint32_t value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      std::optional<uint8_t> b = byte();
      if (!b) return std::nullopt;
      value |= static_cast<uint32_t>(*b & 0x7f) << shift;
      if ((*b & 0x80) == 0) return value;
    }
    return std::nullopt;
  }

  bool skip(size_t count) {
    if (count > bytes_.size() - offset_) return false;
    offset_ += count;
    return true;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t offset_;
};

struct SectionHeader {
  uint8_t id = 0;
  size_t payload_offset = 0;
  size_t payload_size = 0;
};

std::optional<std::vector<SectionHeader>> read_section_headers(std::span<const uint8_t> bytes) {
  std::vector<SectionHeader> sections;
  ByteReader reader(bytes, kHeaderSize);
  while (!reader.at_end()) {
    SectionHeader section;
    std::optional<uint8_t> id = reader.byte();
    std::optional<uint32_t> size = reader.leb_u32();
    if (!id || !size) return std::nullopt;
    section.id = *id;
    section.payload_offset = reader.offset();
    section.payload_size = *size;
    if (!reader.skip(*size)) return std::nullopt;
    sections.push_back(section);
  }
  return sections;
}

std::optional<std::string> read_name(std::span<const uint8_t> payload, ByteReader& reader) {
  std::optional<uint32_t> size = reader.leb_u32();
  const size_t offset = reader.offset();
  if (!size || !reader.skip(*size)) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(payload.data() + offset), *size);
}

// The tool-conventions "producers" section: fields, each with (name, version) values. A
// malformed one is ignored, as engines do with custom sections.
void read_producers(std::span<const uint8_t> payload, ByteReader& reader, ModuleInfo& info) {
  std::vector<std::pair<std::string, std::string>> producers;
  std::optional<uint32_t> fields = reader.leb_u32();
  if (!fields) return;
  for (uint32_t f = 0; f < *fields; ++f) {
    std::optional<std::string> field = read_name(payload, reader);
    std::optional<uint32_t> values = reader.leb_u32();
    if (!field || !values) return;
    for (uint32_t v = 0; v < *values; ++v) {
      std::optional<std::string> name = read_name(payload, reader);
      std::optional<std::string> version = read_name(payload, reader);
      if (!name || !version) return;
      producers.emplace_back(*field, version->empty() ? *name : *name + " " + *version);
    }
  }
  info.producers = std::move(producers);
}

bool read_custom_section(std::span<const uint8_t> bytes, const SectionHeader& section,
                         ModuleInfo& info) {
  auto payload = bytes.subspan(section.payload_offset, section.payload_size);
  ByteReader reader(payload, 0);
  std::optional<std::string> name = read_name(payload, reader);
  if (!name) return false;
  if (*name == "producers") read_producers(payload, reader, info);
  info.custom_sections.push_back(
      ModuleInfo::CustomSection{std::move(*name), section.payload_size, section.payload_offset});
  return true;
}

bool read_function_bodies(std::span<const uint8_t> bytes, const SectionHeader& section,
                          ModuleInfo& info) {
  ByteReader reader(bytes.first(section.payload_offset + section.payload_size),
                    section.payload_offset);
  std::optional<uint32_t> count = reader.leb_u32();
  if (!count) return false;
  info.function_bodies.reserve(std::min<size_t>(*count, section.payload_size));
  for (uint32_t i = 0; i < *count; ++i) {
    std::optional<uint32_t> size = reader.leb_u32();
    if (!size) return false;
    uint32_t offset = static_cast<uint32_t>(reader.offset());
    if (!reader.skip(*size)) return false;
    info.function_bodies.push_back({offset, *size});
  }
  return true;
}

std::optional<ValType> to_val_type(wabt::Type type) {
  switch (type) {
    case wabt::Type::I32:
      return ValType::I32;
    case wabt::Type::I64:
      return ValType::I64;
    case wabt::Type::F32:
      return ValType::F32;
    case wabt::Type::F64:
      return ValType::F64;
    default:
      return std::nullopt;
  }
}

const wabt::FuncSignature& signature_of(const wabt::Module& module, const wabt::Func& func) {
  const wabt::FuncDeclaration& decl = func.decl;
  if (decl.has_func_type && decl.type_var.is_index()) {
    if (const wabt::FuncType* type = module.GetFuncType(decl.type_var)) return type->sig;
  }
  return decl.sig;
}

// `what` names the import or export in the error, e.g. "import env.log".
Result<FuncType> to_func_type(const wabt::FuncSignature& sig, std::string_view what) {
  FuncType type;
  auto convert = [&](const wabt::TypeVector& from, std::vector<ValType>& to) -> bool {
    for (wabt::Type t : from) {
      std::optional<ValType> v = to_val_type(t);
      if (!v) return false;
      to.push_back(*v);
    }
    return true;
  };
  if (!convert(sig.param_types, type.params) || !convert(sig.result_types, type.results)) {
    return make_error("unsupported value type in the signature of " + std::string(what) +
                      " (only i32, i64, f32, f64 cross the host boundary)");
  }
  return type;
}

ExternKind to_extern_kind(wabt::ExternalKind kind) {
  switch (kind) {
    case wabt::ExternalKind::Func:
      return ExternKind::Function;
    case wabt::ExternalKind::Table:
      return ExternKind::Table;
    case wabt::ExternalKind::Memory:
      return ExternKind::Memory;
    case wabt::ExternalKind::Global:
      return ExternKind::Global;
    case wabt::ExternalKind::Tag:
      return ExternKind::Tag;
  }
  return ExternKind::Function;
}

// "i32.const 1024" / "global.get 0" for the constant expressions of globals and segments.
std::string describe_const_expr(const wabt::ExprList& exprs) {
  if (exprs.empty()) return {};
  const wabt::Expr& expr = exprs.front();
  if (const auto* constant = wabt::dyn_cast<wabt::ConstExpr>(&expr)) {
    const wabt::Const& value = constant->const_;
    switch (value.type()) {
      case wabt::Type::I32:
        return "i32.const " + std::to_string(static_cast<int32_t>(value.u32()));
      case wabt::Type::I64:
        return "i64.const " + std::to_string(static_cast<int64_t>(value.u64()));
      case wabt::Type::F32:
        return "f32.const bits " + hex(value.u32());
      case wabt::Type::F64:
        return "f64.const bits " + hex(value.u64());
      default:
        return {};
    }
  }
  if (const auto* get = wabt::dyn_cast<wabt::GlobalGetExpr>(&expr)) {
    if (get->var.is_index()) return "global.get " + std::to_string(get->var.index());
  }
  return {};
}

Result<void> fill_from_ir(const wabt::Module& module, ModuleInfo& info) {
  for (const wabt::Import* import : module.imports) {
    ImportDesc desc{import->module_name, import->field_name, to_extern_kind(import->kind()), {}};
    if (const auto* func_import = wabt::dyn_cast<wabt::FuncImport>(import)) {
      Result<FuncType> type = to_func_type(signature_of(module, func_import->func),
                                           "import " + desc.module + "." + desc.name);
      if (!type) return unexpected(type.error());
      desc.type = std::move(*type);
    }
    info.imports.push_back(std::move(desc));
  }

  info.imported_function_count = module.num_func_imports;
  info.defined_function_count =
      static_cast<uint32_t>(module.funcs.size()) - module.num_func_imports;
  info.function_names.reserve(module.funcs.size());
  for (const wabt::Func* func : module.funcs) {
    std::string_view name = func->name;
    if (!name.empty() && name.front() == '$') name.remove_prefix(1);
    info.function_names.emplace_back(name);
  }

  for (size_t i = 0; i < module.memories.size(); ++i) {
    const wabt::Limits& limits = module.memories[i]->page_limits;
    ModuleInfo::Memory memory;
    memory.min_pages = limits.initial;
    if (limits.has_max) memory.max_pages = limits.max;
    memory.imported = i < module.num_memory_imports;
    info.memories.push_back(std::move(memory));
  }

  // Indices are read straight from the binary (no ApplyNames ran), so every Var is an index.
  for (const wabt::Export* export_ : module.exports) {
    ExportDesc desc{export_->name, to_extern_kind(export_->kind), {}};
    if (!export_->var.is_index()) return make_error("export '" + desc.name + "' has no index");
    const uint32_t index = export_->var.index();
    info.export_indices.push_back(index);
    if (desc.kind == ExternKind::Function) {
      if (index >= module.funcs.size()) return make_error("export '" + desc.name + "' is invalid");
      Result<FuncType> type =
          to_func_type(signature_of(module, *module.funcs[index]), "export '" + desc.name + "'");
      if (!type) return unexpected(type.error());
      desc.type = std::move(*type);
    } else if (desc.kind == ExternKind::Memory && index < info.memories.size()) {
      ModuleInfo::Memory& memory = info.memories[index];
      if (!memory.exported) {
        memory.exported = true;
        memory.export_name = desc.name;
      }
    }
    info.exports.push_back(std::move(desc));
  }

  if (!module.starts.empty()) {
    info.has_start_section = true;
    if (module.starts.front()->is_index()) info.start_function = module.starts.front()->index();
  }
  for (size_t i = 0; i < module.tables.size(); ++i) {
    const wabt::Table& table = *module.tables[i];
    ModuleInfo::Table out;
    out.element_type = table.elem_type.GetName();
    out.min = table.elem_limits.initial;
    if (table.elem_limits.has_max) out.max = table.elem_limits.max;
    out.imported = i < module.num_table_imports;
    info.tables.push_back(std::move(out));
  }
  for (size_t i = 0; i < module.globals.size(); ++i) {
    const wabt::Global& global = *module.globals[i];
    ModuleInfo::Global out;
    out.type = global.type.GetName();
    out.is_mutable = global.mutable_;
    out.imported = i < module.num_global_imports;
    out.init = describe_const_expr(global.init_expr);
    info.globals.push_back(std::move(out));
  }
  for (const wabt::DataSegment* segment : module.data_segments) {
    ModuleInfo::DataSegment out;
    out.active = segment->kind == wabt::SegmentKind::Active;
    out.memory_index = segment->memory_var.is_index() ? segment->memory_var.index() : 0;
    if (out.active) out.offset = describe_const_expr(segment->offset);
    out.size = segment->data.size();
    info.data_segments.push_back(std::move(out));
  }
  info.type_count = static_cast<uint32_t>(module.types.size());
  info.table_count = static_cast<uint32_t>(module.tables.size());
  info.global_count = static_cast<uint32_t>(module.globals.size());
  info.data_segment_count = static_cast<uint32_t>(module.data_segments.size());
  info.elem_segment_count = static_cast<uint32_t>(module.elem_segments.size());
  return {};
}

Result<ModuleInfo> read(std::span<const uint8_t> bytes) {
  if (bytes.size() < sizeof kMagic ||
      !std::equal(std::begin(kMagic), std::end(kMagic), bytes.begin())) {
    return make_error("not a wasm module (bad magic)");
  }

  const wabt::Features features = filter_features();
  wabt::ReadBinaryOptions options(features, /*log_stream=*/nullptr, /*read_debug_names=*/true,
                                  /*stop_on_first_error=*/true,
                                  /*fail_on_custom_section_error=*/false);

  // WABT's IR reader asserts (aborts the process) on some malformed block structures, even in
  // constant expressions; a first pass rejects those before the IR reader sees them.
  if (Result<void> structure = check_block_structure(bytes, options); !structure) {
    return unexpected(structure.error());
  }
  wabt::Module module;
  // Errors of a tolerated custom section (a bad name section) stay out of later messages.
  wabt::Errors read_errors;
  if (wabt::Failed(wabt::ReadBinaryIr("module.wasm", bytes.data(), bytes.size(), options,
                                      &read_errors, &module))) {
    return unexpected(wabt_error(read_errors, "unreadable binary"));
  }
  wabt::Errors validation_errors;
  if (wabt::Failed(
          wabt::ValidateModule(&module, &validation_errors, wabt::ValidateOptions(features)))) {
    return unexpected(wabt_error(validation_errors, "validation failed"));
  }

  ModuleInfo info;
  info.size_bytes = bytes.size();
  if (Result<void> filled = fill_from_ir(module, info); !filled) {
    return unexpected(Error{"invalid wasm module: " + filled.error().message});
  }

  std::optional<std::vector<SectionHeader>> sections = read_section_headers(bytes);
  if (!sections) return make_error("invalid wasm module: malformed section headers");
  for (const SectionHeader& section : *sections) {
    info.sections.push_back(ModuleInfo::Section{section.id, std::string(section_name(section.id)),
                                                section.payload_offset, section.payload_size});
    bool ok = true;
    if (section.id == kCustomSectionId) {
      ok = read_custom_section(bytes, section, info);
      if (ok) info.sections.back().name = info.custom_sections.back().name;
    }
    if (section.id == kCodeSectionId) ok = read_function_bodies(bytes, section, info);
    if (!ok) {
      return make_error("invalid wasm module: malformed section at offset " +
                        hex(section.payload_offset));
    }
  }
  return info;
}

}  // namespace

bool ModuleInfo::has_name_section() const {
  return std::any_of(custom_sections.begin(), custom_sections.end(),
                     [](const CustomSection& section) { return section.name == "name"; });
}

bool ModuleInfo::has_dwarf() const {
  return std::any_of(custom_sections.begin(), custom_sections.end(),
                     [](const CustomSection& section) { return section.dwarf(); });
}

bool is_abi_import(const ImportDesc& import) {
  return import.kind == ExternKind::Memory || abi::is_abi_import(import.module, import.name);
}

bool is_abi_export(const ExportDesc& e) {
  return abi::is_abi_export(e.name) || e.kind == ExternKind::Memory ||
         e.name == "__indirect_function_table" || e.name == "__data_end" || e.name == "__heap_base";
}

std::string_view section_name(uint8_t id) {
  static constexpr std::string_view kNames[] = {
      "custom", "type",  "import",  "function", "table", "memory",     "global",
      "export", "start", "element", "code",     "data",  "data_count", "tag"};
  return id < std::size(kNames) ? kNames[id] : std::string_view("unknown");
}

std::string_view ModuleInfo::function_name(uint32_t function_index) const {
  if (function_index >= function_names.size()) return {};
  return function_names[function_index];
}

std::optional<uint32_t> ModuleInfo::function_at_offset(uint32_t code_offset) const {
  // Bodies are laid out in increasing offset order: find the last one starting at or before.
  auto it = std::upper_bound(
      function_bodies.begin(), function_bodies.end(), code_offset,
      [](uint32_t offset, const FunctionBody& body) { return offset < body.offset; });
  if (it == function_bodies.begin()) return std::nullopt;
  --it;
  if (code_offset >= it->offset + it->size) return std::nullopt;
  return imported_function_count + static_cast<uint32_t>(it - function_bodies.begin());
}

const ExportDesc* ModuleInfo::find_export(std::string_view name) const {
  for (const ExportDesc& desc : exports) {
    if (desc.name == name) return &desc;
  }
  return nullptr;
}

Result<ModuleInfo> read_module_info(std::span<const uint8_t> bytes) {
  // WABT reports malformed input through Errors; allocation failures on absurd counts are the
  // only exceptions expected here, and they must not escape into the engine thread.
  try {
    return read(bytes);
  } catch (const std::exception& e) {
    return make_error(std::string("invalid wasm module: ") + e.what());
  }
}

}  // namespace pwplay::host
