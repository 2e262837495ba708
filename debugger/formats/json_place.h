// Strict JSON reading for pwplay's own file formats (project, scenario, HAR): every error names
// the file and the JSON path of the value at fault ("s.json: scenarios[2].expect.status: expected
// an integer, got a string"), and unknown fields are refused with the list of allowed ones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/result.h"

namespace pwplay::debugger {

// Where a JSON value sits: the file and the path inside it.
struct JsonPlace {
  std::string file;
  std::string path;  // "log.entries[3].request"; empty for the document itself

  JsonPlace field(std::string_view key) const;
  JsonPlace index(size_t i) const;
  // "file: path", or "file" at the top.
  std::string str() const;
  // An error at this place: "file: path: message".
  Unexpected<Error> error(const std::string& message) const;
};

// "a string", "an integer", "an object", "null", ...
std::string json_type_phrase(const nlohmann::json& value);

// Refuses fields not in `allowed`, naming the field and listing the allowed ones.
Result<void> check_fields(const nlohmann::json& object, const std::vector<std::string>& allowed,
                          const JsonPlace& place);

// Typed reads of an object's field. Absent fields (and, where noted, null) give std::nullopt;
// a value of the wrong type is an error naming the field.
Result<std::optional<std::string>> string_field(const nlohmann::json& object, const char* key,
                                                const JsonPlace& place);
Result<std::optional<bool>> bool_field(const nlohmann::json& object, const char* key,
                                       const JsonPlace& place);
Result<std::optional<uint64_t>> uint_field(const nlohmann::json& object, const char* key,
                                           const JsonPlace& place);
Result<std::optional<double>> number_field(const nlohmann::json& object, const char* key,
                                           const JsonPlace& place);
// A list of strings (absent gives an empty list).
Result<std::vector<std::string>> string_list_field(const nlohmann::json& object, const char* key,
                                                   const JsonPlace& place);

}  // namespace pwplay::debugger
