// Fuzz target: Envoy and Istio plugin configurations (debugger/formats/plugin_config_file.h) in
// their JSON forms: the raw bytes loaded through load_plugin_config_file from a .json file. The
// YAML forms have their own target (yaml_fuzz.cc).
#include "debugger/formats/plugin_config_file.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pwplay;
  static const fuzz::TempDir dir;
  const std::string path = dir.write("plugin.json", fuzz::as_text(data, size));
  (void)fuzz::checked("load_plugin_config_file",
                      [&] { return debugger::load_plugin_config_file(path); });
  return 0;
}
