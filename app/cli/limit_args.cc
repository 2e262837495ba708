#include "app/cli/limit_args.h"

namespace pwplay::app {

Result<debugger::LimitSettings> LimitFlags::settings() const {
  debugger::LimitSettings settings;
  for (const auto& field : debugger::limit_fields()) {
    auto given = given_.find(field.flag);
    if (given == given_.end()) continue;
    auto value = debugger::parse_limit_value(given->second, field, field.flag);
    if (!value) return unexpected(value.error());
    settings.*field.member = *value;
  }
  return settings;
}

void add_limit_options(CLI::App* cmd, LimitFlags& flags, SessionLimitOptions session) {
  for (const auto& field : debugger::limit_fields()) {
    if (field.scope == debugger::LimitScope::Session && session == SessionLimitOptions::Omit)
      continue;
    // Taken as text and checked by settings(), so that a bad value gets the same message as
    // the same field in a file.
    cmd->add_option_function<std::string>(
           std::string(field.flag),
           [&flags, flag = std::string(field.flag)](const std::string& text) {
             flags.given_[flag] = text;
           },
           std::string(field.help))
        ->type_name(field.size ? "BYTES" : "N");
  }
}

}  // namespace pwplay::app
