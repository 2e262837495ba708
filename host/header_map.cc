#include "host/header_map.h"

#include <algorithm>
#include <cctype>

namespace pwplay::host {

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

HeaderMap::HeaderMap(const abi::HeaderPairs& pairs) {
  set_all(pairs);
}

void HeaderMap::set_all(const abi::HeaderPairs& pairs) {
  pairs_.clear();
  bytes_ = 0;
  pairs_.reserve(pairs.size());
  for (const auto& [name, value] : pairs) {
    pairs_.emplace_back(to_lower(name), value);
    bytes_ += name.size() + value.size();
  }
}

std::optional<std::string_view> HeaderMap::get(std::string_view name) const {
  for (const auto& [key, value] : pairs_)
    if (iequals(key, name)) return std::string_view(value);
  return std::nullopt;
}

std::optional<std::string> HeaderMap::get_joined(std::string_view name) const {
  std::optional<std::string> joined;
  for (const auto& [key, value] : pairs_) {
    if (!iequals(key, name)) continue;
    if (joined) {
      *joined += ",";
      *joined += value;
    } else {
      joined = value;
    }
  }
  return joined;
}

void HeaderMap::add(std::string_view name, std::string_view value) {
  pairs_.emplace_back(to_lower(name), std::string(value));
  bytes_ += name.size() + value.size();
}

void HeaderMap::replace(std::string_view name, std::string_view value) {
  auto first = std::find_if(pairs_.begin(), pairs_.end(),
                            [&](const auto& pair) { return iequals(pair.first, name); });
  if (first == pairs_.end()) {
    add(name, value);
    return;
  }
  bytes_ = bytes_ - first->second.size() + value.size();
  first->second = std::string(value);
  // remove_if leaves moved-from pairs behind: count their bytes first.
  for (auto it = first + 1; it != pairs_.end(); ++it)
    if (iequals(it->first, name)) bytes_ -= it->first.size() + it->second.size();
  auto rest = std::remove_if(first + 1, pairs_.end(),
                             [&](const auto& pair) { return iequals(pair.first, name); });
  pairs_.erase(rest, pairs_.end());
}

std::pair<size_t, size_t> HeaderMap::size_after_replace(std::string_view name,
                                                        std::string_view value) const {
  size_t pairs = pairs_.size() + 1;
  size_t bytes = bytes_ + name.size() + value.size();
  for (const auto& [key, old] : pairs_) {
    if (!iequals(key, name)) continue;
    --pairs;
    bytes -= key.size() + old.size();
  }
  return {pairs, bytes};
}

size_t HeaderMap::remove(std::string_view name) {
  for (const auto& [key, value] : pairs_)
    if (iequals(key, name)) bytes_ -= key.size() + value.size();
  auto rest = std::remove_if(pairs_.begin(), pairs_.end(),
                             [&](const auto& pair) { return iequals(pair.first, name); });
  size_t removed = static_cast<size_t>(pairs_.end() - rest);
  pairs_.erase(rest, pairs_.end());
  return removed;
}

}  // namespace pwplay::host
