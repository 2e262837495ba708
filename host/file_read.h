// Reading files the user names (modules, configs, requests, scenarios, projects, HAR files):
// regular files only, never a blocking open, and never more than a size limit.
#pragma once

#include <cstddef>
#include <string>

#include "abi/result.h"

namespace pwplay::host {

// Size limits for the files pwplay reads (documented in docs/reliability.md, "Limits").
inline constexpr size_t kMaxModuleBytes = size_t{256} << 20;    // .wasm modules, native filters
inline constexpr size_t kMaxInputFileBytes = size_t{64} << 20;  // configs, requests, scenarios...

// Reads the whole regular file at `path`. A FIFO, device, socket or directory is refused before
// anything reads from it ("PATH is a FIFO, expected a regular file"); so is a file larger than
// `max_bytes` (also when it grows while being read). `what` names the kind of file in errors
// ("module", "request file"). Errors start with the path.
Result<std::string> read_user_file(const std::string& path, const std::string& what,
                                   size_t max_bytes);

// "a FIFO", "a directory", "a character device", ... for a st_mode; "a regular file" for one.
std::string file_kind(unsigned mode);

}  // namespace pwplay::host
