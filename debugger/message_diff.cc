#include "debugger/message_diff.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace pwplay::debugger {
namespace {

std::string lower(const std::string& text) {
  std::string out = text;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

const char* header_change_name(HeaderChange change) {
  switch (change) {
    case HeaderChange::Same:
      return "same";
    case HeaderChange::Added:
      return "added";
    case HeaderChange::Changed:
      return "changed";
    case HeaderChange::Removed:
      return "removed";
  }
  return "same";
}

std::vector<HeaderDiffRow> diff_header_rows(const abi::HeaderPairs& before,
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

BodyDiff diff_body(const std::string& before, const std::string& after) {
  BodyDiff diff;
  diff.before_size = before.size();
  diff.after_size = after.size();
  if (before == after) return diff;
  diff.changed = true;
  const size_t shorter = std::min(before.size(), after.size());
  size_t prefix = 0;
  while (prefix < shorter && before[prefix] == after[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < shorter - prefix &&
         before[before.size() - 1 - suffix] == after[after.size() - 1 - suffix])
    ++suffix;
  diff.offset = prefix;
  diff.removed_bytes = before.size() - prefix - suffix;
  diff.inserted_bytes = after.size() - prefix - suffix;
  return diff;
}

bool MessageDiff::same() const {
  return !count_changes(headers).any() && !count_changes(trailers).any() && !body.changed;
}

MessageDiff diff_message(const host::MessageView& before, const host::MessageView& after) {
  MessageDiff diff;
  diff.headers = diff_header_rows(before.headers, after.headers);
  diff.trailers = diff_header_rows(before.trailers, after.trailers);
  diff.body = diff_body(before.body, after.body);
  return diff;
}

StreamDiff diff_stream(const host::RunReport& report) {
  StreamDiff diff;
  if (report.upstream_request)
    diff.request = diff_message(report.client_request, *report.upstream_request);
  if (report.upstream_response && report.response)
    diff.response = diff_message(*report.upstream_response, *report.response);
  return diff;
}

std::vector<std::string> describe(const std::vector<HeaderDiffRow>& rows,
                                  const std::string& prefix) {
  std::vector<std::string> lines;
  for (const auto& row : rows) {
    switch (row.change) {
      case HeaderChange::Same:
        break;
      case HeaderChange::Added:
        lines.push_back(prefix + "added " + row.name + ": " + row.value);
        break;
      case HeaderChange::Changed:
        lines.push_back(prefix + "changed " + row.name + ": " + row.old_value + " -> " + row.value);
        break;
      case HeaderChange::Removed:
        lines.push_back(prefix + "removed " + row.name + ": " + row.value);
        break;
    }
  }
  return lines;
}

std::vector<std::string> describe(const MessageDiff& diff) {
  std::vector<std::string> lines = describe(diff.headers);
  for (auto& line : describe(diff.trailers, "trailer ")) lines.push_back(std::move(line));
  if (diff.body.changed) {
    const BodyDiff& body = diff.body;
    std::string line = "body: " + std::to_string(body.before_size) + " -> " +
                       std::to_string(body.after_size) + " bytes, ";
    const std::string at = " at offset " + std::to_string(body.offset);
    if (body.removed_bytes == 0)
      line += std::to_string(body.inserted_bytes) + " inserted" + at;
    else if (body.inserted_bytes == 0)
      line += std::to_string(body.removed_bytes) + " removed" + at;
    else
      line += std::to_string(body.removed_bytes) + at + " replaced by " +
              std::to_string(body.inserted_bytes);
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace pwplay::debugger
