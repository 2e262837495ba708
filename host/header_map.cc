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
  pairs_.reserve(pairs.size());
  for (const auto& [name, value] : pairs) pairs_.emplace_back(to_lower(name), value);
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
}

void HeaderMap::replace(std::string_view name, std::string_view value) {
  auto first = std::find_if(pairs_.begin(), pairs_.end(),
                            [&](const auto& pair) { return iequals(pair.first, name); });
  if (first == pairs_.end()) {
    add(name, value);
    return;
  }
  first->second = std::string(value);
  auto rest = std::remove_if(first + 1, pairs_.end(),
                             [&](const auto& pair) { return iequals(pair.first, name); });
  pairs_.erase(rest, pairs_.end());
}

size_t HeaderMap::remove(std::string_view name) {
  auto rest = std::remove_if(pairs_.begin(), pairs_.end(),
                             [&](const auto& pair) { return iequals(pair.first, name); });
  size_t removed = static_cast<size_t>(pairs_.end() - rest);
  pairs_.erase(rest, pairs_.end());
  return removed;
}

size_t HeaderMap::byte_size() const {
  size_t size = 0;
  for (const auto& [key, value] : pairs_) size += key.size() + value.size();
  return size;
}

}  // namespace pwplay::host
