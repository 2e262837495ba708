// What the fuzz targets share: the libFuzzer entry point's declaration, a private temporary
// directory for the targets that read files, and the invariants every reader must keep (no
// exception escapes, a refusal carries a message).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "abi/result.h"
#include "debugger/formats/json_read.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace pwplay::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Stops the run with `why`: libFuzzer (or the replay driver) reports the abort and keeps the input.
[[noreturn]] inline void fail(const char* what, const std::string& why) {
  std::fprintf(stderr, "fuzz: %s: %s\n", what, why.c_str());
  std::abort();
}

// Calls `read` (one of the readers' entry points) and checks what every reader promises: no
// exception leaves it, and a refusal names its cause. Returns the reader's result.
template <typename Read>
auto checked(const char* what, Read&& read) -> decltype(read()) {
  try {
    auto result = read();
    if (!result.ok() && result.error().message.empty()) fail(what, "refused with an empty message");
    return result;
  } catch (const std::exception& error) {
    fail(what, std::string("an exception escaped: ") + error.what());
  } catch (...) {
    fail(what, "an exception of an unknown type escaped");
  }
}

// Reads `text` with the JSON reader every file goes through, checking that a refusal names the
// source first, as "WHERE:LINE:COLUMN: ..." or "WHERE: ...".
inline Result<nlohmann::json> read_json(std::string_view text, const std::string& where) {
  auto json = checked("parse_json_text", [&] { return debugger::parse_json_text(text, where); });
  if (!json.ok() && !json.error().message.starts_with(where + ":"))
    fail("parse_json_text", "the message does not start with the source: " + json.error().message);
  return json;
}

// A directory of its own for the process, removed at exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pwplay-fuzz-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

  // Writes DIR/name with exactly `bytes` and returns its path, for readers that take a file.
  std::string write(const std::string& name, std::string_view bytes) const {
    const std::filesystem::path file = path_ / name;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) fail("fuzz input", "cannot write " + file.string());
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace pwplay::fuzz
