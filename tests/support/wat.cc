#include "support/wat.h"

#include <gtest/gtest.h>
#include <wabt/binary-writer.h>
#include <wabt/error-formatter.h>
#include <wabt/feature.h>
#include <wabt/ir.h>
#include <wabt/resolve-names.h>
#include <wabt/stream.h>
#include <wabt/validator.h>
#include <wabt/wast-lexer.h>
#include <wabt/wast-parser.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "host/wasm_instructions.h"

namespace pwplay::test {
namespace {

[[noreturn]] void fail(const wabt::Errors& errors, wabt::WastLexer& lexer) {
  std::unique_ptr<wabt::LexerSourceLineFinder> lines = lexer.MakeLineFinder();
  const std::string text =
      wabt::FormatErrorsToString(errors, wabt::Location::Type::Text, lines.get());
  ADD_FAILURE() << "wat_to_wasm: invalid module text:\n" << text;
  throw std::runtime_error("wat_to_wasm: " + text);
}

}  // namespace

std::vector<uint8_t> wat_to_wasm(std::string_view wat_text) {
  // The proposals every WABT reader in pwplay accepts: a test module uses what filters may use.
  const wabt::Features features = host::wasm_features();
  wabt::Errors errors;
  std::unique_ptr<wabt::WastLexer> lexer =
      wabt::WastLexer::CreateBufferLexer("test.wat", wat_text.data(), wat_text.size(), &errors);
  std::unique_ptr<wabt::Module> module;
  wabt::WastParseOptions parse_options(features);
  if (wabt::Failed(wabt::ParseWatModule(lexer.get(), &module, &errors, &parse_options)) ||
      wabt::Failed(wabt::ResolveNamesModule(module.get(), &errors)) ||
      wabt::Failed(wabt::ValidateModule(module.get(), &errors, wabt::ValidateOptions(features)))) {
    fail(errors, *lexer);
  }

  wabt::MemoryStream stream;
  wabt::WriteBinaryOptions write_options(features, /*canonicalize_lebs=*/true,
                                         /*relocatable=*/false, /*write_debug_names=*/true);
  if (wabt::Failed(wabt::WriteBinaryModule(&stream, module.get(), write_options))) {
    ADD_FAILURE() << "wat_to_wasm: cannot encode the module";
    throw std::runtime_error("wat_to_wasm: cannot encode the module");
  }
  return std::move(stream.output_buffer().data);
}

}  // namespace pwplay::test
