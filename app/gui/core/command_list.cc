#include "app/gui/core/command_list.h"

namespace pwplay::gui {
namespace {

// Tabs and line breaks would split a field: help texts never hold them, but keep lines whole.
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return text;
}

}  // namespace

nlohmann::json commands_json(const Commands& commands) {
  nlohmann::json list = nlohmann::json::array();
  for (const Command& command : commands.all())
    list.push_back({{"id", command.id},
                    {"label", command.label},
                    {"menu", command.menu},
                    {"shortcut", format_shortcut(command.shortcut)},
                    {"argument", command.arg_help},
                    {"argument_required", command.arg_required},
                    {"toggle", static_cast<bool>(command.checked)}});
  return {{"commands", std::move(list)}};
}

std::string commands_text(const Commands& commands) {
  std::string out;
  for (const Command& command : commands.all()) {
    for (const std::string& field :
         {command.id, command.menu, format_shortcut(command.shortcut), command.label}) {
      out += one_line(field);
      out += '\t';
    }
    out += one_line(command.arg_help);
    out += '\n';
  }
  return out;
}

}  // namespace pwplay::gui
