#include "app/gui/core/file_browser.h"

#include <algorithm>
#include <cctype>
#include <system_error>

namespace pwplay::gui {
namespace {

namespace fs = std::filesystem;

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool less_ignoring_case(const std::string& a, const std::string& b) {
  bool less = std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                           [](char x, char y) { return lower(x) < lower(y); });
  bool greater = std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end(),
                                              [](char x, char y) { return lower(x) < lower(y); });
  return less || (!greater && a < b);  // "a" and "A" keep a stable order
}

fs::path absolute_of(const fs::path& path) {
  std::error_code ec;
  fs::path out = fs::absolute(path, ec);
  return (ec ? path : out).lexically_normal();
}

}  // namespace

bool matches_extension(std::string_view name, const std::vector<std::string>& extensions) {
  if (extensions.empty()) return true;
  for (const std::string& ext : extensions) {
    if (name.size() < ext.size()) continue;
    std::string_view tail = name.substr(name.size() - ext.size());
    if (std::equal(tail.begin(), tail.end(), ext.begin(), ext.end(),
                   [](char a, char b) { return lower(a) == lower(b); }))
      return true;
  }
  return false;
}

Result<Listing> list_directory(const fs::path& dir, const BrowserFilter& filter) {
  std::error_code ec;
  fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) return make_error(dir.string() + ": cannot list the folder: " + ec.message());
  Listing listing;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return make_error(dir.string() + ": cannot list the folder: " + ec.message());
    std::string name = it->path().filename().string();
    if (!filter.show_hidden && !name.empty() && name.front() == '.') continue;
    std::error_code type_ec;
    bool directory = it->is_directory(type_ec);  // follows links: a link to a folder is one
    if (!directory && !matches_extension(name, filter.extensions)) continue;
    if (listing.entries.size() >= kMaxBrowserEntries) {
      listing.truncated = true;
      break;
    }
    BrowserEntry entry{std::move(name), directory, 0};
    if (!directory) {
      std::error_code size_ec;
      uintmax_t size = it->file_size(size_ec);
      entry.size = size_ec ? 0 : static_cast<uint64_t>(size);
    }
    listing.entries.push_back(std::move(entry));
  }
  std::sort(listing.entries.begin(), listing.entries.end(),
            [](const BrowserEntry& a, const BrowserEntry& b) {
              if (a.directory != b.directory) return a.directory;
              return less_ignoring_case(a.name, b.name);
            });
  return listing;
}

Completion complete_path(std::string_view typed, const fs::path& base,
                         const BrowserFilter& filter) {
  Completion out;
  out.completed = std::string(typed);
  // Split at the last '/': the folder to list and the start of the name.
  size_t slash = typed.rfind('/');
  std::string folder_part =
      slash == std::string_view::npos ? "" : std::string(typed.substr(0, slash + 1));
  std::string prefix(slash == std::string_view::npos ? typed : typed.substr(slash + 1));
  fs::path folder = folder_part.empty() ? base : fs::path(folder_part);
  if (folder.is_relative()) folder = base / folder;
  BrowserFilter show = filter;
  show.show_hidden = filter.show_hidden || (!prefix.empty() && prefix.front() == '.');
  auto listing = list_directory(folder, show);
  if (!listing) return out;
  std::vector<const BrowserEntry*> matches;
  for (const BrowserEntry& entry : listing->entries)
    if (entry.name.compare(0, prefix.size(), prefix) == 0) {
      matches.push_back(&entry);
      out.candidates.push_back(entry.name + (entry.directory ? "/" : ""));
    }
  if (matches.empty()) return out;
  std::string common = matches.front()->name;
  for (const BrowserEntry* entry : matches) {
    size_t n = 0;
    while (n < common.size() && n < entry->name.size() && common[n] == entry->name[n]) ++n;
    common.resize(n);
  }
  out.completed = folder_part + common;
  if (matches.size() == 1 && matches.front()->directory) out.completed += "/";
  return out;
}

void FileBrowser::open(const fs::path& dir, BrowserFilter filter) {
  filter_ = std::move(filter);
  dir_ = absolute_of(dir.empty() ? fs::path(".") : dir);
  picked.clear();
  refresh();
}

void FileBrowser::refresh() {
  BrowserFilter shown = filter_;
  if (show_all_) shown.extensions.clear();
  auto listing = list_directory(dir_, shown);
  if (listing) {
    listing_ = std::move(*listing);
    message_.clear();
  } else {
    listing_ = {};
    message_ = listing.error().message;
  }
}

void FileBrowser::enter(std::string_view name) {
  if (name == "..") return up();
  dir_ = (dir_ / std::string(name)).lexically_normal();
  picked.clear();
  refresh();
}

void FileBrowser::up() {
  fs::path parent = dir_.parent_path();
  if (parent.empty() || parent == dir_) return;
  dir_ = parent;
  picked.clear();
  refresh();
}

void FileBrowser::go_to(const std::string& typed) {
  if (typed.empty()) return;
  fs::path target = fs::path(typed).is_relative() ? dir_ / typed : fs::path(typed);
  std::error_code ec;
  if (fs::is_directory(target, ec)) {
    dir_ = absolute_of(target);
    picked.clear();
  } else if (fs::is_directory(target.parent_path(), ec)) {
    dir_ = absolute_of(target.parent_path());
    picked = target.filename().string();
  } else {
    return;
  }
  refresh();
}

void FileBrowser::set_show_all(bool all) {
  if (all == show_all_) return;
  show_all_ = all;
  refresh();
}

}  // namespace pwplay::gui
