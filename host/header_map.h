// HeaderMap: an HTTP header/trailer map as a filter sees it through the ABI. Ordered, with
// lower-case names (Envoy lower-cases every key), case-insensitive lookups, repeated names kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "abi/pairs.h"

namespace pwplay::host {

class HeaderMap {
 public:
  HeaderMap() = default;
  // Names are lower-cased; order and repeats are kept.
  explicit HeaderMap(const abi::HeaderPairs& pairs);

  const abi::HeaderPairs& pairs() const { return pairs_; }
  size_t size() const { return pairs_.size(); }
  bool empty() const { return pairs_.empty(); }

  // First value of `name`, as Envoy returns it.
  std::optional<std::string_view> get(std::string_view name) const;
  // All values of `name`, joined with "," (for properties such as request.headers.x).
  std::optional<std::string> get_joined(std::string_view name) const;
  void add(std::string_view name, std::string_view value);
  // Replaces the first occurrence and removes the others; appends when absent.
  void replace(std::string_view name, std::string_view value);
  // Removes every occurrence; returns how many were removed.
  size_t remove(std::string_view name);
  void set_all(const abi::HeaderPairs& pairs);
  void clear() {
    pairs_.clear();
    bytes_ = 0;
  }
  // Sum of key and value lengths, as Envoy's byteSize(); kept as the map changes.
  size_t byte_size() const { return bytes_; }
  // What a replace(name, value) would leave: {pairs, bytes}, for limits checked before writing.
  std::pair<size_t, size_t> size_after_replace(std::string_view name, std::string_view value) const;

  bool operator==(const HeaderMap&) const = default;

 private:
  abi::HeaderPairs pairs_;
  size_t bytes_ = 0;
};

std::string to_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);

}  // namespace pwplay::host
