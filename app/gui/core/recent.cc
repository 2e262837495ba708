#include "app/gui/core/recent.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "debugger/formats/atomic_file.h"
#include "debugger/formats/json_read.h"
#include "debugger/formats/request_file.h"

namespace pwplay::gui {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kFormat = "pwplay-recent";

Result<std::vector<std::string>> read_list(const json& object, const char* field,
                                           const std::string& where) {
  std::vector<std::string> out;
  auto it = object.find(field);
  if (it == object.end()) return out;
  if (!it->is_array()) return make_error(where + ": " + field + ": expected an array of paths");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& item = (*it)[i];
    if (!item.is_string() || item.get_ref<const std::string&>().empty())
      return make_error(where + ": " + field + "[" + std::to_string(i) +
                        "]: expected a non-empty path string");
    if (out.size() < RecentFiles::kMaxRecent) out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

Result<void> RecentStore::load() {
  files_ = {};
  problem_.clear();
  unknown_ = json::object();
  if (path_.empty()) return {};
  std::error_code ec;
  if (!fs::exists(path_, ec)) return {};
  auto fail = [this](std::string message) -> Result<void> {
    problem_ = message + " (the file is left as it is: fix or remove it to keep a recent list)";
    files_ = {};
    return make_error(std::move(message));
  };
  auto text = debugger::read_file(path_, "recent list");
  if (!text) return fail(text.error().message);
  auto parsed = debugger::parse_json_text(*text, path_);
  if (!parsed) return fail(parsed.error().message);
  if (!parsed->is_object()) return fail(path_ + ": expected a JSON object");
  if (auto format = parsed->find("format");
      format != parsed->end() && (!format->is_string() || *format != kFormat))
    return fail(path_ + ": format: expected \"" + std::string(kFormat) + "\"");
  auto filters = read_list(*parsed, "filters", path_);
  if (!filters) return fail(filters.error().message);
  auto requests = read_list(*parsed, "requests", path_);
  if (!requests) return fail(requests.error().message);
  files_.filters = std::move(*filters);
  files_.requests = std::move(*requests);
  unknown_ = std::move(*parsed);
  for (const char* known : {"format", "version", "filters", "requests"}) unknown_.erase(known);
  return {};
}

Result<void> RecentStore::remember_filter(const std::string& path) {
  return remember(files_.filters, path);
}

Result<void> RecentStore::remember_request(const std::string& path) {
  return remember(files_.requests, path);
}

Result<void> RecentStore::remember(std::vector<std::string>& list, const std::string& path) {
  if (path.empty()) return {};
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  std::string entry = ec ? path : absolute.lexically_normal().string();
  auto same = std::find(list.begin(), list.end(), entry);
  if (same != list.end() && same == list.begin()) return {};  // already first: nothing to write
  if (same != list.end()) list.erase(same);
  list.insert(list.begin(), entry);
  if (list.size() > RecentFiles::kMaxRecent) list.resize(RecentFiles::kMaxRecent);
  if (!problem_.empty()) return make_error(problem_);  // shown, never written over
  return save();
}

Result<void> RecentStore::save() {
  if (path_.empty()) return {};
  json out = unknown_;
  out["format"] = kFormat;
  out["version"] = 1;
  out["filters"] = files_.filters;
  out["requests"] = files_.requests;
  std::error_code ec;
  fs::create_directories(fs::path(path_).parent_path(), ec);
  return debugger::write_file_atomically(path_, out.dump(2) + "\n");
}

std::string default_recent_path() {
  fs::path dir;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
    dir = fs::path(xdg) / "pwplay";
  else if (const char* home = std::getenv("HOME"); home && *home)
    dir = fs::path(home) / ".config" / "pwplay";
  else
    return {};
  return (dir / "recent.json").string();
}

}  // namespace pwplay::gui
