// Fuzz target: the proxy configuration file of `pwplay serve --proxy-config`
// (debugger/formats/proxy_config_file.h), JSON form: the raw bytes written to a private directory
// and loaded as the command loads them. The YAML form has its own target (yaml_fuzz.cc).
#include "debugger/formats/proxy_config_file.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pwplay;
  static const fuzz::TempDir dir;
  const std::string path = dir.write("proxy.json", fuzz::as_text(data, size));
  (void)fuzz::checked("load_proxy_config_file",
                      [&] { return debugger::load_proxy_config_file(path); });
  return 0;
}
