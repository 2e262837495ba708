// The recent filters and requests the welcome view lists, kept in
// $XDG_CONFIG_HOME/pwplay/recent.json
// (~/.config/pwplay/recent.json). A file that cannot be read is reported and never overwritten.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/result.h"

namespace pwplay::gui {

// Newest first, no duplicates, at most kMaxRecent each (docs/reliability.md, "Limits").
struct RecentFiles {
  static constexpr size_t kMaxRecent = 10;
  std::vector<std::string> filters;
  std::vector<std::string> requests;
};

class RecentStore {
 public:
  // `path` "": nothing is read or written (automation runs, --no-ini).
  explicit RecentStore(std::string path = {}) : path_(std::move(path)) {}

  // Reads the file; a missing one is an empty list. A file that is not valid JSON or not a recent
  // list is an error naming the file and the field: the lists stay empty and the file is left
  // alone (remember() no longer writes it) until the user fixes or removes it.
  Result<void> load();
  // Puts `path` first in its list (made absolute) and writes the file atomically. Keeps the
  // fields of the file it does not know.
  Result<void> remember_filter(const std::string& path);
  Result<void> remember_request(const std::string& path);

  const RecentFiles& files() const { return files_; }
  const std::string& path() const { return path_; }
  // Why the file is not used ("" when it is): shown in the welcome view.
  const std::string& problem() const { return problem_; }

 private:
  Result<void> remember(std::vector<std::string>& list, const std::string& path);
  Result<void> save();

  std::string path_;
  RecentFiles files_;
  nlohmann::json unknown_ = nlohmann::json::object();  // fields kept as they were read
  std::string problem_;
};

// $XDG_CONFIG_HOME/pwplay/recent.json, else ~/.config/pwplay/recent.json; "" without either.
std::string default_recent_path();

}  // namespace pwplay::gui
