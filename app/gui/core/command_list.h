// The command table as text and JSON, for `pwplay --list-commands`: one entry per command with
// its id, menu, shortcut, label and argument help, so scripts and tests can read the table.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "app/gui/core/command_table.h"

namespace pwplay::gui {

// {"commands": [{"id", "label", "menu", "shortcut", "argument", "argument_required", "toggle"}]}
// in table order; "" where a command has no menu, shortcut or argument.
nlohmann::json commands_json(const Commands& commands);

// One line per command, in table order, its fields separated by tabs:
// ID, MENU, SHORTCUT, LABEL, ARGUMENT (empty fields stay empty, so each line has five).
std::string commands_text(const Commands& commands);

}  // namespace pwplay::gui
