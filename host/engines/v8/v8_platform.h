// V8Platform: the process-wide V8 platform. V8 is initialized once and never torn down (it
// cannot be re-initialized), so every V8Vm shares this one instance.
#pragma once

#include <v8.h>

#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "abi/result.h"

namespace pwplay::host::v8engine {

// Largest linear memory any V8Vm may use, in 64 KiB pages (4 GiB, VmOptions' upper bound). V8's
// limit is a process-wide flag, so it is set once to the largest per-Vm limit; each Vm caps its
// own memory's maximum at its configured limit, so memory.grow past that returns -1.
inline constexpr uint32_t kMaxMemoryPages = 65536;

class V8Platform {
 public:
  // Initializes V8 on first use; thread-safe.
  static V8Platform& instance();

  V8Platform(const V8Platform&) = delete;
  V8Platform& operator=(const V8Platform&) = delete;

  // Passes flags such as "--liftoff-only" to V8. V8 flags are process-wide: they affect every
  // isolate, and only code compiled after the change. A flag V8 does not recognize is an error
  // ("engine flag --foo not recognized by v8"), as are those that print and exit (--help).
  Result<void> set_flags(std::span<const std::string> flags);

  // Runs the isolate's pending foreground tasks (GC finalization, compilation callbacks)
  // without blocking. Call from the isolate's thread.
  void pump_tasks(v8::Isolate* isolate);

  // Tells the platform the isolate is going away, then disposes it.
  void dispose_isolate(v8::Isolate* isolate);

 private:
  V8Platform();
  ~V8Platform() = default;

  std::unique_ptr<v8::Platform> platform_;
  std::mutex flags_mutex_;
};

}  // namespace pwplay::host::v8engine
