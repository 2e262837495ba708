// Where the guided lessons are (assets/lessons), for `pwplay lessons` and the desktop app.
#pragma once

#include <filesystem>
#include <string>

#include "abi/result.h"

namespace pwplay::app {

// `given` when not empty (it must be a folder); else assets/lessons in an ancestor of the
// executable's folder, of the source tree it was built from, or of the working directory.
Result<std::filesystem::path> lessons_dir(const std::string& given);

}  // namespace pwplay::app
