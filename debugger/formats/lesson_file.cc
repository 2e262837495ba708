#include "debugger/formats/lesson_file.h"

#include <algorithm>
#include <cctype>
#include <system_error>

#include "debugger/formats/json_read.h"
#include "host/file_read.h"

namespace pwplay::debugger {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr size_t kMaxLessonBytes = size_t{1} << 20;

struct OpName {
  const char* key;
  LessonCondition::Op op;
};
constexpr OpName kOps[] = {
    {"equals", LessonCondition::Op::Equals},     {"not_equals", LessonCondition::Op::NotEquals},
    {"contains", LessonCondition::Op::Contains}, {"at_least", LessonCondition::Op::AtLeast},
    {"at_most", LessonCondition::Op::AtMost},    {"exists", LessonCondition::Op::Exists}};

const char* op_words(LessonCondition::Op op) {
  switch (op) {
    case LessonCondition::Op::Equals:
      return "expected";
    case LessonCondition::Op::NotEquals:
      return "expected anything but";
    case LessonCondition::Op::Contains:
      return "expected it to contain";
    case LessonCondition::Op::AtLeast:
      return "expected at least";
    case LessonCondition::Op::AtMost:
      return "expected at most";
    case LessonCondition::Op::Exists:
      return "expected it to exist:";
  }
  return "expected";
}

Result<std::string> get_text(const json& object, const char* key, const std::string& where,
                             bool required) {
  if (!object.contains(key)) {
    if (required) return make_error(where + ": field '" + key + "' is missing");
    return std::string();
  }
  if (!object[key].is_string()) return make_error(where + ": field '" + key + "' must be a string");
  return object[key].get<std::string>();
}

Result<void> only_keys(const json& object, std::initializer_list<const char*> allowed,
                       const std::string& where) {
  for (const auto& item : object.items()) {
    if (std::none_of(allowed.begin(), allowed.end(),
                     [&](const char* name) { return item.key() == name; }))
      return make_error(where + ": unknown field '" + item.key() + "'");
  }
  return {};
}

Result<LessonCommand> parse_command(const json& item, const std::string& where) {
  if (item.is_string() && !item.get<std::string>().empty())
    return LessonCommand{item.get<std::string>(), {}};
  if (!item.is_object())
    return make_error(where +
                      ": a command is an id (\"send\"), {\"run\": ID, \"arg\": TEXT} or "
                      "{\"wait_ms\": N}");
  if (item.contains("wait_ms")) {
    if (auto ok = only_keys(item, {"wait_ms"}, where); !ok) return unexpected(ok.error());
    const json& ms = item["wait_ms"];
    if (!ms.is_number_integer() || ms.get<int64_t>() < 1 || ms.get<int64_t>() > kMaxLessonWaitMs)
      return make_error(where + ": field 'wait_ms' must be an integer from 1 to " +
                        std::to_string(kMaxLessonWaitMs));
    return LessonCommand{{}, {}, ms.get<int>()};
  }
  if (auto ok = only_keys(item, {"run", "arg"}, where); !ok) return unexpected(ok.error());
  auto id = get_text(item, "run", where, true);
  if (!id) return unexpected(id.error());
  if (id->empty()) return make_error(where + ": field 'run' must name a command");
  auto arg = get_text(item, "arg", where, false);
  if (!arg) return unexpected(arg.error());
  return LessonCommand{std::move(*id), std::move(*arg)};
}

Result<LessonCondition> parse_condition(const json& item, const std::string& where) {
  if (!item.is_object()) return make_error(where + ": a condition is {\"path\": ..., OP: VALUE}");
  LessonCondition condition;
  auto path = get_text(item, "path", where, true);
  if (!path) return unexpected(path.error());
  if (path->empty()) return make_error(where + ": field 'path' is empty");
  condition.path = std::move(*path);
  int ops = 0;
  for (const auto& item_field : item.items()) {
    if (item_field.key() == "path") continue;
    const OpName* found = std::find_if(std::begin(kOps), std::end(kOps), [&](const OpName& op) {
      return item_field.key() == op.key;
    });
    if (found == std::end(kOps))
      return make_error(where + ": unknown field '" + item_field.key() +
                        "' (a condition has 'path' and one of equals, not_equals, contains, "
                        "at_least, at_most, exists)");
    condition.op = found->op;
    condition.value = item_field.value();
    ++ops;
  }
  if (ops != 1)
    return make_error(where +
                      ": a condition needs exactly one of equals, not_equals, contains, "
                      "at_least, at_most, exists");
  const bool numeric =
      condition.op == LessonCondition::Op::AtLeast || condition.op == LessonCondition::Op::AtMost;
  if (numeric && !condition.value.is_number())
    return make_error(where + ": at_least and at_most take a number");
  if (condition.op == LessonCondition::Op::Exists && !condition.value.is_boolean())
    return make_error(where + ": exists takes true or false");
  return condition;
}

Result<LessonStep> parse_step(const json& item, const std::string& where) {
  if (!item.is_object()) return make_error(where + ": a step is an object");
  if (auto ok = only_keys(item, {"title", "text", "commands", "check"}, where); !ok)
    return unexpected(ok.error());
  LessonStep step;
  auto title = get_text(item, "title", where, true);
  if (!title) return unexpected(title.error());
  auto text = get_text(item, "text", where, true);
  if (!text) return unexpected(text.error());
  step.title = std::move(*title);
  step.text = std::move(*text);
  if (item.contains("commands")) {
    if (!item["commands"].is_array())
      return make_error(where + ": field 'commands' must be a list");
    const json& commands = item["commands"];
    for (size_t i = 0; i < commands.size(); ++i) {
      auto command = parse_command(commands[i], where + ".commands[" + std::to_string(i) + "]");
      if (!command) return unexpected(command.error());
      step.commands.push_back(std::move(*command));
    }
  }
  if (!item.contains("check") || !item["check"].is_object())
    return make_error(where + ": field 'check' must be {\"text\": ..., \"all\": [conditions]}");
  const json& check = item["check"];
  const std::string at = where + ".check";
  if (auto ok = only_keys(check, {"text", "all"}, at); !ok) return unexpected(ok.error());
  auto check_text = get_text(check, "text", at, true);
  if (!check_text) return unexpected(check_text.error());
  step.check.text = std::move(*check_text);
  if (!check.contains("all") || !check["all"].is_array() || check["all"].empty())
    return make_error(at + ": field 'all' must be a non-empty list of conditions");
  const json& all = check["all"];
  for (size_t i = 0; i < all.size(); ++i) {
    auto condition = parse_condition(all[i], at + ".all[" + std::to_string(i) + "]");
    if (!condition) return unexpected(condition.error());
    step.check.all.push_back(std::move(*condition));
  }
  return step;
}

// Every value `path` reaches from `root` ("*" fans out over an array's elements or an object's
// values); none when a key is missing.
void resolve(const json& node, const std::vector<std::string>& parts, size_t index,
             std::vector<const json*>& out) {
  if (index == parts.size()) {
    out.push_back(&node);
    return;
  }
  const std::string& part = parts[index];
  if (part == "*") {
    if (node.is_array() || node.is_object())
      for (const json& child : node) resolve(child, parts, index + 1, out);
    return;
  }
  if (node.is_object()) {
    auto it = node.find(part);
    if (it != node.end()) resolve(*it, parts, index + 1, out);
    return;
  }
  if (node.is_array() && !part.empty() &&
      std::all_of(part.begin(), part.end(), [](char c) { return std::isdigit(c) != 0; })) {
    size_t at = std::stoul(part);
    if (at < node.size()) resolve(node[at], parts, index + 1, out);
  }
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

bool value_holds(const LessonCondition& condition, const json& value) {
  switch (condition.op) {
    case LessonCondition::Op::Equals:
      return value == condition.value;
    case LessonCondition::Op::NotEquals:
      return value != condition.value;
    case LessonCondition::Op::Contains:
      if (value.is_string() && condition.value.is_string())
        return value.get<std::string>().find(condition.value.get<std::string>()) !=
               std::string::npos;
      if (value.is_array())
        return std::any_of(value.begin(), value.end(), [&](const json& element) {
          if (element.is_string() && condition.value.is_string())
            return element.get<std::string>().find(condition.value.get<std::string>()) !=
                   std::string::npos;
          return element == condition.value;
        });
      return false;
    case LessonCondition::Op::AtLeast:
    case LessonCondition::Op::AtMost: {
      double have = 0;
      if (value.is_number())
        have = value.get<double>();
      else if (value.is_array())
        have = static_cast<double>(value.size());
      else
        return false;
      const double limit = condition.value.get<double>();
      return condition.op == LessonCondition::Op::AtLeast ? have >= limit : have <= limit;
    }
    case LessonCondition::Op::Exists:
      return !value.is_null();
  }
  return false;
}

std::string shown(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 120) text = text.substr(0, 117) + "...";
  return text;
}

}  // namespace

Result<Lesson> parse_lesson(const json& document, const std::string& id, const std::string& where) {
  if (!document.is_object()) return make_error(where + ": a lesson is a JSON object");
  if (auto ok = only_keys(document, {"title", "summary", "steps"}, where); !ok)
    return unexpected(ok.error());
  Lesson lesson;
  lesson.id = id;
  auto title = get_text(document, "title", where, true);
  if (!title) return unexpected(title.error());
  auto summary = get_text(document, "summary", where, false);
  if (!summary) return unexpected(summary.error());
  lesson.title = std::move(*title);
  lesson.summary = std::move(*summary);
  if (!document.contains("steps") || !document["steps"].is_array() || document["steps"].empty())
    return make_error(where + ": field 'steps' must be a non-empty list");
  const json& steps = document["steps"];
  for (size_t i = 0; i < steps.size(); ++i) {
    auto step = parse_step(steps[i], where + ": steps[" + std::to_string(i) + "]");
    if (!step) return unexpected(step.error());
    lesson.steps.push_back(std::move(*step));
  }
  return lesson;
}

Result<Lesson> load_lesson(const fs::path& file) {
  auto text = host::read_user_file(file.string(), "lesson", kMaxLessonBytes);
  if (!text) return unexpected(text.error());
  auto document = parse_json_text(*text, file.string());
  if (!document) return unexpected(document.error());
  auto lesson = parse_lesson(*document, file.stem().string(), file.string());
  if (lesson) lesson->path = file;
  return lesson;
}

Result<std::vector<Lesson>> load_lessons(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    const std::string name = path.filename().string();
    if (path.extension() == ".json" && name.size() > 3 && std::isdigit(name[0]) &&
        std::isdigit(name[1]) && name[2] == '-')
      files.push_back(path);
  }
  if (ec) return make_error(dir.string() + ": cannot list the lessons: " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<Lesson> lessons;
  for (const fs::path& file : files) {
    auto lesson = load_lesson(file);
    if (!lesson) return unexpected(lesson.error());
    lessons.push_back(std::move(*lesson));
  }
  if (lessons.empty()) return make_error(dir.string() + ": no lesson files (NN-name.json)");
  return lessons;
}

Result<const Lesson*> find_lesson(const std::vector<Lesson>& lessons, std::string_view key) {
  for (const Lesson& lesson : lessons)
    if (lesson.id == key) return &lesson;
  // "1" or "01": the lesson whose number it is.
  if (!key.empty() && key.size() <= 2 &&
      std::all_of(key.begin(), key.end(), [](char c) { return std::isdigit(c) != 0; })) {
    const int number = std::stoi(std::string(key));
    for (const Lesson& lesson : lessons)
      if (std::stoi(lesson.id.substr(0, 2)) == number) return &lesson;
  }
  std::string ids;
  for (const Lesson& lesson : lessons) ids += (ids.empty() ? "" : ", ") + lesson.id;
  return make_error("no lesson '" + std::string(key) + "' (the lessons are: " + ids + ")");
}

std::optional<fs::path> find_lessons_dir(const std::vector<fs::path>& starts) {
  for (const fs::path& start : starts) {
    std::error_code ec;
    fs::path dir = fs::absolute(start, ec);
    if (ec) continue;
    for (; !dir.empty(); dir = dir.parent_path()) {
      const fs::path candidate = dir / "assets" / "lessons";
      if (fs::is_directory(candidate, ec)) return candidate;
      if (dir == dir.parent_path()) break;
    }
  }
  return std::nullopt;
}

json lessons_json(const std::vector<Lesson>& lessons) {
  json list = json::array();
  for (const Lesson& lesson : lessons)
    list.push_back({{"id", lesson.id},
                    {"title", lesson.title},
                    {"summary", lesson.summary},
                    {"steps", lesson.steps.size()}});
  return {{"lessons", std::move(list)}};
}

std::string expand_lesson_arg(std::string_view arg, const std::string& samples_dir,
                              const std::string& lessons_dir, const std::string& assets_dir) {
  const std::string assets =
      assets_dir.empty() ? fs::path(lessons_dir).parent_path().string() : assets_dir;
  std::string out(arg);
  const std::pair<std::string_view, const std::string*> names[] = {
      {"${samples}", &samples_dir}, {"${lessons}", &lessons_dir}, {"${assets}", &assets}};
  for (const auto& [name, value] : names) {
    for (size_t at = out.find(name); at != std::string::npos;
         at = out.find(name, at + value->size()))
      out.replace(at, name.size(), *value);
  }
  return out;
}

CheckOutcome evaluate_check(const LessonCheck& check, const json& state) {
  for (const LessonCondition& condition : check.all) {
    std::vector<const json*> values;
    resolve(state, split_path(condition.path), 0, values);
    bool held = false;
    if (condition.op == LessonCondition::Op::Exists) {
      const bool exists = std::any_of(values.begin(), values.end(),
                                      [](const json* value) { return !value->is_null(); });
      held = exists == condition.value.get<bool>();
    } else if (condition.op == LessonCondition::Op::NotEquals) {
      held = std::none_of(values.begin(), values.end(),
                          [&](const json* value) { return *value == condition.value; });
    } else {
      held = std::any_of(values.begin(), values.end(),
                         [&](const json* value) { return value_holds(condition, *value); });
    }
    if (held) continue;
    std::string actual = values.empty()       ? std::string("missing")
                         : values.size() == 1 ? shown(*values.front())
                                              : std::to_string(values.size()) +
                                                    " values, the first " + shown(*values.front());
    return {false, condition.path + " is " + actual + ", " + op_words(condition.op) + " " +
                       shown(condition.value)};
  }
  return {true, {}};
}

}  // namespace pwplay::debugger
