// The sample filters the app offers on first run and in the welcome view: a small catalog (what
// each shows, its language, the request that goes with it), where the built modules and their
// requests are found next to the executable or the source tree, and open-sample.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abi/result.h"
#include "app/gui/core/workspace.h"
#include "debugger/session.h"

namespace pwplay::gui {

// One catalog row. `file` is the module under the built samples directory; `request` a file
// under assets/requests/ or samples/requests/ of the source tree (assets/ is looked at first).
struct SampleInfo {
  const char* name;      // the open-sample argument: "add_header"
  const char* file;      // "add_header.wasm"
  const char* language;  // "C++", "AssemblyScript", "WAT"
  const char* shows;     // one line
  const char* request;   // "get.json"
};

// Every sample the welcome view knows, in the order it lists them; add_header comes first.
const std::vector<SampleInfo>& sample_catalog();
inline constexpr const char* kFirstRunSample = "add_header";

// Where to look. With `samples_dir` set (--samples-dir) only that directory is tried.
struct SampleSearch {
  std::filesystem::path samples_dir;
  std::filesystem::path executable;                // the running pwplay (build/app/pwplay)
  std::vector<std::filesystem::path> source_dirs;  // source trees to try for the requests
};

struct SampleLocations {
  std::filesystem::path built;            // holds the .wasm files (build/samples)
  std::filesystem::path requests;         // samples/requests; empty when none was found
  std::filesystem::path assets_requests;  // assets/requests; empty when none was found
};

// The built samples next to the executable (EXE/../samples, EXE/samples), and their requests
// (BUILT/requests, samples/requests in an ancestor of either, or in a source dir; assets/requests
// in the same places). An error says where it looked.
Result<SampleLocations> find_samples(const SampleSearch& search);

// Where a catalog row's preset is: assets/requests first, then samples/requests; none when
// neither holds it.
std::optional<std::filesystem::path> find_preset(const SampleLocations& locations,
                                                 const SampleInfo& info);

// A catalog row with the files found for it.
struct AvailableSample {
  const SampleInfo* info = nullptr;
  std::filesystem::path wasm;
  std::optional<std::filesystem::path> request;  // none: the preset is missing
};
// The catalog rows whose module is built, in catalog order.
std::vector<AvailableSample> available_samples(const SampleLocations& locations);

// Puts the sample in the Filter panel (on `base`'s settings, with its configuration cleared),
// its request preset in the Request panel (a new request when the preset is missing) and queues
// the load. Unknown or unbuilt names are errors that change nothing.
Result<void> open_sample(Workspace& workspace, debugger::Session& session,
                         const SampleLocations& locations, std::string_view name,
                         const FilterSettings& base);

}  // namespace pwplay::gui
