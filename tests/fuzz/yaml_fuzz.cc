// Fuzz target: the YAML forms of the plugin configuration and of the proxy configuration
// (yaml_to_json in debugger/formats/plugin_config_file.h, with its nesting and alias-expansion
// limits): the raw bytes converted, the result read as a plugin configuration, and the same bytes
// loaded from a .yaml file as `pwplay serve --proxy-config` loads them. What the conversion makes
// must be JSON the JSON reader takes back: finite numbers, nesting within its limit.
#include <cmath>

#include <nlohmann/json.hpp>

#include "debugger/formats/plugin_config_file.h"
#include "debugger/formats/proxy_config_file.h"
#include "fuzz_support.h"

namespace {

// Every number of `value` is finite: JSON has no infinity or NaN (nlohmann writes them as null).
bool finite_numbers(const nlohmann::json& value) {
  if (value.is_number_float()) return std::isfinite(value.get<double>());
  if (value.is_structured()) {
    for (const auto& item : value)
      if (!finite_numbers(item)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pwplay;
  static const fuzz::TempDir dir;
  const std::string text(fuzz::as_text(data, size));
  auto json =
      fuzz::checked("yaml_to_json", [&] { return debugger::yaml_to_json(text, "fuzz.yaml"); });
  if (json) {
    // YAML scalars may hold any bytes; JSON text is UTF-8 (the readers write it this way too).
    const std::string text_again =
        json->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (!finite_numbers(*json))
      fuzz::fail("yaml_to_json", "a number JSON cannot hold: " + text_again);
    auto again = debugger::parse_json_text(text_again, "again", debugger::kMaxJsonDepth, SIZE_MAX);
    if (!again)
      fuzz::fail("yaml_to_json", "the JSON reader refuses the result: " + again.error().message);
    (void)fuzz::checked("parse_plugin_config",
                        [&] { return debugger::parse_plugin_config(*json, "fuzz.yaml"); });
  } else if (!json.error().message.starts_with("fuzz.yaml:")) {
    fuzz::fail("yaml_to_json",
               "the message does not start with the source: " + json.error().message);
  }
  const std::string path = dir.write("proxy.yaml", text);
  (void)fuzz::checked("load_proxy_config_file",
                      [&] { return debugger::load_proxy_config_file(path); });
  return 0;
}
