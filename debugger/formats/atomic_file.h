// Atomic file replacement for everything pwplay saves (project files, scenario files, JUnit
// reports): readers and crashes see either the old content or the new, never a truncated mix.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "abi/result.h"

namespace pwplay::debugger {

// Writes `bytes` to `path` by writing `PATH.tmp-XXXXXX` in the same directory, fsyncing it, and
// renaming it over `path` (then fsyncing the directory). The existing file is never truncated or
// opened for writing; on any failure it is left as it was and the temporary file is removed.
// A symbolic link at `path` is followed: its target is replaced, the link stays. A new file gets
// mode 0644; an existing file keeps its mode. A FIFO or character device at `path` (or the link's
// target) is written through instead (never renamed over: /dev/null stays a device); a socket or
// block device is refused. Errors name the path, the step and the reason.
Result<void> write_file_atomically(const std::string& path, std::string_view bytes);

// Test hook: called before each step ("create", "write", "fsync", "rename"); returning false makes
// that step fail as if the system call had failed with EIO. Pass nullptr to remove it.
using AtomicWriteFaultHook = std::function<bool(std::string_view step)>;
void set_atomic_write_fault_hook(AtomicWriteFaultHook hook);

}  // namespace pwplay::debugger
