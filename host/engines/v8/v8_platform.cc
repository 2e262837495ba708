#include "host/engines/v8/v8_platform.h"

#include <libplatform/libplatform.h>

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

void V8Platform::set_flags(std::span<const std::string> flags) {
  std::lock_guard lock(flags_mutex_);
  for (const std::string& flag : flags) v8::V8::SetFlagsFromString(flag.c_str(), flag.size());
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
