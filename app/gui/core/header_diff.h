// Header diffs: what a filter added, changed or removed, comparing a message before the filter
// (the client's request, the upstream's response) with the same message after it.
#pragma once

#include <string>
#include <vector>

#include "abi/pairs.h"

namespace pwplay::gui {

enum class HeaderChange : uint8_t { Same, Added, Changed, Removed };

struct HeaderDiffRow {
  std::string name;
  std::string value;      // the value after (before, for Removed rows)
  std::string old_value;  // Changed rows: the value before
  HeaderChange change = HeaderChange::Same;
};

// Rows in `after` order, then the removed ones in `before` order. Names compare
// case-insensitively; repeated names pair up by position (the 2nd `set-cookie` with the 2nd).
std::vector<HeaderDiffRow> diff_headers(const abi::HeaderPairs& before,
                                        const abi::HeaderPairs& after);

struct HeaderDiffCounts {
  int added = 0;
  int changed = 0;
  int removed = 0;
};
HeaderDiffCounts count_changes(const std::vector<HeaderDiffRow>& rows);

}  // namespace pwplay::gui
