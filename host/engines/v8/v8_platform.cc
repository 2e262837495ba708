#include "host/engines/v8/v8_platform.h"

#include <libplatform/libplatform.h>

#include <string_view>

namespace pwplay::host::v8engine {

V8Platform& V8Platform::instance() {
  // A function-local static is initialized exactly once, thread-safely (the same guarantee as
  // std::call_once). The union keeps it from being destroyed at exit: V8 cannot be shut down and
  // brought back, and isolates owned by other statics may still be alive then.
  union Storage {
    Storage() : platform() {}
    ~Storage() {}
    V8Platform platform;
  };
  static Storage storage;
  return storage.platform;
}

V8Platform::V8Platform() : platform_(v8::platform::NewDefaultPlatform()) {
  v8::V8::InitializePlatform(platform_.get());
  // Flags that V8 reads at initialization must be set before V8::Initialize().
  const std::string max_pages = "--wasm-max-mem-pages=" + std::to_string(kMaxMemoryPages);
  v8::V8::SetFlagsFromString(max_pages.c_str(), max_pages.size());
  v8::V8::Initialize();
}

Result<void> V8Platform::set_flags(std::span<const std::string> flags) {
  std::lock_guard lock(flags_mutex_);
  for (const std::string& flag : flags) {
    const std::string not_recognized = "engine flag " + flag + " not recognized by v8";
    // V8 prints its help and exits the process for these: never pass them on.
    std::string_view name = flag;
    while (name.starts_with('-')) name.remove_prefix(1);
    name = name.substr(0, name.find('='));
    if (!flag.starts_with("--") || name.empty() || name == "help" || name == "version" ||
        name.find_first_of(" \t\n") != std::string_view::npos)
      return make_error(not_recognized);
    // The command-line parser removes the flags it recognizes and leaves the others in argv;
    // SetFlagsFromString would only print an error and carry on.
    std::string program = "pwplay";
    std::string argument = flag;
    char* argv[] = {program.data(), argument.data(), nullptr};
    int argc = 2;
    v8::V8::SetFlagsFromCommandLine(&argc, argv, true);
    if (argc != 1) return make_error(not_recognized);
  }
  return {};
}

void V8Platform::pump_tasks(v8::Isolate* isolate) {
  while (v8::platform::PumpMessageLoop(platform_.get(), isolate)) {
  }
}

void V8Platform::dispose_isolate(v8::Isolate* isolate) {
  v8::platform::NotifyIsolateShutdown(platform_.get(), isolate);
  isolate->Dispose();
}

}  // namespace pwplay::host::v8engine
