#include "app/gui/core/header_diff.h"

#include <cctype>
#include <map>

namespace pwplay::gui {
namespace {

std::string lower(const std::string& text) {
  std::string out = text;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::vector<HeaderDiffRow> diff_headers(const abi::HeaderPairs& before,
                                        const abi::HeaderPairs& after) {
  // Values of each name before, in order; consumed as `after` pairs up with them.
  std::map<std::string, std::vector<std::string>> before_values;
  for (const auto& [name, value] : before) before_values[lower(name)].push_back(value);
  std::map<std::string, size_t> used;

  std::vector<HeaderDiffRow> rows;
  for (const auto& [name, value] : after) {
    std::string key = lower(name);
    size_t index = used[key]++;
    auto it = before_values.find(key);
    HeaderDiffRow row{name, value, {}, HeaderChange::Added};
    if (it != before_values.end() && index < it->second.size()) {
      row.old_value = it->second[index];
      row.change = row.old_value == value ? HeaderChange::Same : HeaderChange::Changed;
      if (row.change == HeaderChange::Same) row.old_value.clear();
    }
    rows.push_back(std::move(row));
  }
  std::map<std::string, size_t> seen;
  for (const auto& [name, value] : before) {
    std::string key = lower(name);
    size_t index = seen[key]++;
    if (index >= used[key]) rows.push_back({name, value, {}, HeaderChange::Removed});
  }
  return rows;
}

HeaderDiffCounts count_changes(const std::vector<HeaderDiffRow>& rows) {
  HeaderDiffCounts counts;
  for (const auto& row : rows) {
    if (row.change == HeaderChange::Added) ++counts.added;
    if (row.change == HeaderChange::Changed) ++counts.changed;
    if (row.change == HeaderChange::Removed) ++counts.removed;
  }
  return counts;
}

}  // namespace pwplay::gui
