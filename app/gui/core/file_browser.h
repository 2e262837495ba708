// The file browser's model (Dear ImGui 1.86 has none): a directory's entries with folders first
// and files filtered by extension, and completion of a typed path. The view is
// app/gui/panels/file_browser.*; the File windows (Open filter, Open request, Import HAR, Open
// project, ...) show it under their path field.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "abi/result.h"

namespace pwplay::gui {

struct BrowserEntry {
  std::string name;
  bool directory = false;
  uint64_t size = 0;  // files only
};

// What a listing shows. `extensions` are lower-case suffixes with the dot (".wasm",
// ".pwplay.json"); empty: every file. Hidden entries (a leading dot) only with `show_hidden`.
struct BrowserFilter {
  std::vector<std::string> extensions;
  bool show_hidden = false;
};

// True when `name` ends with one of `extensions` (case-insensitive), or `extensions` is empty.
bool matches_extension(std::string_view name, const std::vector<std::string>& extensions);

// The entries of `dir`: folders first, then files, each group sorted by name case-insensitively;
// files that do not match the filter are left out. Errors name the directory and the reason.
// At most kMaxBrowserEntries are listed (docs/reliability.md, "Limits").
inline constexpr size_t kMaxBrowserEntries = 10000;
struct Listing {
  std::vector<BrowserEntry> entries;
  bool truncated = false;  // the directory held more than kMaxBrowserEntries
};
Result<Listing> list_directory(const std::filesystem::path& dir, const BrowserFilter& filter);

// Completion of a typed path: `completed` extends `typed` by the longest prefix the matching
// entries share (with a '/' after a single folder), `candidates` are the matching names.
// Relative paths are relative to `base`.
struct Completion {
  std::string completed;
  std::vector<std::string> candidates;
};
Completion complete_path(std::string_view typed, const std::filesystem::path& base,
                         const BrowserFilter& filter);

// The browser's state: its directory, the listing, the entry picked.
class FileBrowser {
 public:
  // Starts in `dir` (made absolute); an unreadable one shows its error in `message`.
  void open(const std::filesystem::path& dir, BrowserFilter filter);
  void refresh();
  // Enters a folder of the listing, or the parent with "..".
  void enter(std::string_view name);
  void up();
  // Follows a typed path: a folder is entered; a file's folder is entered and the file picked.
  void go_to(const std::string& typed);

  const std::filesystem::path& dir() const { return dir_; }
  const std::vector<BrowserEntry>& entries() const { return listing_.entries; }
  bool truncated() const { return listing_.truncated; }
  const std::string& message() const { return message_; }
  const BrowserFilter& filter() const { return filter_; }
  void set_show_all(bool all);  // all files, ignoring the extensions
  bool show_all() const { return show_all_; }
  std::string picked;  // the name of the file picked in `dir` ("" = none)

 private:
  std::filesystem::path dir_;
  BrowserFilter filter_;
  bool show_all_ = false;
  Listing listing_;
  std::string message_;
};

}  // namespace pwplay::gui
