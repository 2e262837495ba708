// Fuzz target: the proxy configuration file of `pwplay serve --proxy-config`
// (debugger/formats/proxy_config_file.h), JSON form, written to a private directory and loaded as
// the command loads it.
#include <fstream>

#include "debugger/formats/proxy_config_file.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pwplay::fuzz::TempDir dir;
  std::string_view text = pwplay::fuzz::as_text(data, size);
  if (!pwplay::fuzz::parse_json(text)) return 0;
  const std::string path = (dir.path() / "proxy.json").string();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  (void)pwplay::debugger::load_proxy_config_file(path);
  return 0;
}
