// Fuzz target: Envoy and Istio plugin configurations (debugger/formats/plugin_config_file.h) in
// their JSON forms. YAML is left out here: the YAML reader's limits are tracked apart.
#include "debugger/formats/plugin_config_file.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto json = pwplay::fuzz::parse_json(pwplay::fuzz::as_text(data, size));
  if (!json) return 0;
  (void)pwplay::debugger::parse_plugin_config(*json, "fuzz.json");
  return 0;
}
