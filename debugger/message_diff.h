// Structured differences between two views of one HTTP message: the request as the client sent
// it and as the upstream received it, or the response as the upstream sent it and as the client
// received it. Headers added, changed or removed (names compared case-insensitively, repeated
// names paired by position), trailers likewise, and which body bytes changed. The GUI colours
// rows from it, `pwplay debug` prints it, `pwplay run --json` embeds it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "abi/pairs.h"
#include "host/local_run.h"

namespace pwplay::debugger {

enum class HeaderChange : uint8_t { Same, Added, Changed, Removed };
const char* header_change_name(HeaderChange change);  // "same", "added", "changed", "removed"

struct HeaderDiffRow {
  std::string name;
  std::string value;      // the value after (before, for Removed rows)
  std::string old_value;  // Changed rows: the value before
  HeaderChange change = HeaderChange::Same;
};

// Rows in `after` order, then the removed ones in `before` order.
std::vector<HeaderDiffRow> diff_header_rows(const abi::HeaderPairs& before,
                                            const abi::HeaderPairs& after);

struct HeaderDiffCounts {
  int added = 0;
  int changed = 0;
  int removed = 0;
  bool any() const { return added + changed + removed > 0; }
};
HeaderDiffCounts count_changes(const std::vector<HeaderDiffRow>& rows);

// Which bytes of a body changed: everything between the common prefix and the common suffix.
struct BodyDiff {
  size_t before_size = 0;
  size_t after_size = 0;
  bool changed = false;
  size_t offset = 0;          // first byte that differs
  size_t removed_bytes = 0;   // bytes of `before` from `offset` that were replaced
  size_t inserted_bytes = 0;  // bytes of `after` from `offset` that replaced them
};
BodyDiff diff_body(const std::string& before, const std::string& after);

struct MessageDiff {
  std::vector<HeaderDiffRow> headers;
  std::vector<HeaderDiffRow> trailers;
  BodyDiff body;
  bool same() const;
};
MessageDiff diff_message(const host::MessageView& before, const host::MessageView& after);

// A stream's two diffs; each is empty when one side of it does not exist (a local response
// never reached the upstream; a reset stream has no response).
struct StreamDiff {
  std::optional<MessageDiff> request;   // client -> upstream
  std::optional<MessageDiff> response;  // upstream -> client
};
StreamDiff diff_stream(const host::RunReport& report);

// One line per change: "added x-a: 1", "changed x-b: 1 -> 2", "removed x-c: 3", trailers
// prefixed "trailer ", then "body: 12 -> 20 bytes, 4 at offset 8 replaced by 12" (or "8 inserted
// at offset 12", "3 removed at offset 0").
std::vector<std::string> describe(const MessageDiff& diff);
std::vector<std::string> describe(const std::vector<HeaderDiffRow>& rows,
                                  const std::string& prefix = "");

}  // namespace pwplay::debugger
