#include "debugger/formats/json_place.h"

namespace pwplay::debugger {

using nlohmann::json;

JsonPlace JsonPlace::field(std::string_view key) const {
  JsonPlace child = *this;
  if (!child.path.empty()) child.path += '.';
  child.path += key;
  return child;
}

JsonPlace JsonPlace::index(size_t i) const {
  JsonPlace child = *this;
  child.path += "[" + std::to_string(i) + "]";
  return child;
}

std::string JsonPlace::str() const {
  if (path.empty()) return file;
  if (file.empty()) return path;
  return file + ": " + path;
}

Unexpected<Error> JsonPlace::error(const std::string& message) const {
  std::string where = str();
  return make_error(where.empty() ? message : where + ": " + message);
}

std::string json_type_phrase(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return std::string("a boolean (") + (value.get<bool>() ? "true" : "false") + ")";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer (" + value.dump() + ")";
    case json::value_t::number_float:
      return "a number (" + value.dump() + ")";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "a list";
    case json::value_t::object:
      return "an object";
    default:
      return value.type_name();
  }
}

Result<void> check_fields(const json& object, const std::vector<std::string>& allowed,
                          const JsonPlace& place) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (const auto& name : allowed) known = known || name == key;
    if (known) continue;
    std::string list;
    for (const auto& name : allowed) list += (list.empty() ? "" : ", ") + name;
    return place.error("unknown field '" + key + "' (allowed: " + list + ")");
  }
  return {};
}

Result<std::optional<std::string>> string_field(const json& object, const char* key,
                                                const JsonPlace& place) {
  auto it = object.find(key);
  if (it == object.end()) return std::optional<std::string>();
  if (!it->is_string())
    return place.field(key).error("expected a string, got " + json_type_phrase(*it));
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::optional<bool>> bool_field(const json& object, const char* key,
                                       const JsonPlace& place) {
  auto it = object.find(key);
  if (it == object.end()) return std::optional<bool>();
  if (!it->is_boolean())
    return place.field(key).error("expected true or false, got " + json_type_phrase(*it));
  return std::optional<bool>(it->get<bool>());
}

Result<std::optional<uint64_t>> uint_field(const json& object, const char* key,
                                           const JsonPlace& place) {
  auto it = object.find(key);
  if (it == object.end()) return std::optional<uint64_t>();
  if (!it->is_number_unsigned())
    return place.field(key).error("expected a non-negative integer, got " + json_type_phrase(*it));
  return std::optional<uint64_t>(it->get<uint64_t>());
}

Result<std::optional<double>> number_field(const json& object, const char* key,
                                           const JsonPlace& place) {
  auto it = object.find(key);
  if (it == object.end()) return std::optional<double>();
  if (!it->is_number())
    return place.field(key).error("expected a number, got " + json_type_phrase(*it));
  return std::optional<double>(it->get<double>());
}

Result<std::vector<std::string>> string_list_field(const json& object, const char* key,
                                                   const JsonPlace& place) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end()) return out;
  if (!it->is_array())
    return place.field(key).error("expected a list of strings, got " + json_type_phrase(*it));
  for (size_t i = 0; i < it->size(); ++i) {
    const json& item = (*it)[i];
    if (!item.is_string())
      return place.field(key).index(i).error("expected a string, got " + json_type_phrase(item));
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace pwplay::debugger
