// Helpers the desktop app's model tests (pwplay_gui_core_tests) share: the path of a built sample
// and a file read whole.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace pwplay::gui::test_support {

// build/samples/NAME, NAME with its extension ("add_header.wasm", "requests/get.json").
inline std::string sample(const std::string& name) {
  return std::string(PWPLAY_SAMPLES_DIR "/") + name;
}

// The bytes of `path`, or "" when it cannot be read.
inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace pwplay::gui::test_support
