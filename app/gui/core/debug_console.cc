#include "app/gui/core/debug_console.h"

#include <algorithm>

#include "debugger/commands.h"

namespace pwplay::gui {

void DebugConsole::add(Line::Kind kind, std::string_view text) {
  // Multi-line answers become one line each; the trailing newline ends the last one.
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines_.push_back(Line{kind, std::string(text.substr(0, end))});
    ++version_;
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  while (lines_.size() > kMaxLines) lines_.pop_front();
}

void DebugConsole::input(std::string_view line) {
  add(Line::Kind::Input, "(pwplay) " + std::string(line));
}

void DebugConsole::output(std::string_view text) {
  add(Line::Kind::Output, text);
}

void DebugConsole::error(std::string_view text) {
  add(Line::Kind::Error, text);
}

void DebugConsole::event(std::string_view text) {
  add(Line::Kind::Event, text);
}

void DebugConsole::clear() {
  lines_.clear();
  ++version_;
}

void DebugConsole::observe(const debugger::SessionSnapshot& snapshot) {
  const debugger::PluginInfo& plugin = snapshot.plugin;
  if (plugin.build != seen_build_) {
    seen_build_ = plugin.build;
    if (plugin.loaded)
      event("Loaded " + plugin.wasm_path + ": ABI " + plugin.abi_version + " on " + plugin.engine +
            " " + plugin.engine_version);
  }
  if (plugin.error != seen_error_) {
    seen_error_ = plugin.error;
    if (!plugin.error.empty()) error("error: " + plugin.error);
  }
  if (snapshot.history_count != seen_history_count_) {
    seen_history_count_ = snapshot.history_count;
    // Entries join the history at its end as they finish: announce those after the last one
    // announced (at most kMaxAnnounced, should the history have moved on past it).
    const auto& history = snapshot.history;
    size_t from = 0;
    for (size_t i = history.size(); i-- > 0;)
      if (history[i]->id == seen_history_id_) {
        from = i + 1;
        break;
      }
    from = std::max(from, history.size() - std::min(history.size(), kMaxAnnounced));
    for (size_t i = from; i < history.size(); ++i) {
      event(debugger::describe_finished(*history[i]));
      seen_history_id_ = history[i]->id;
    }
  }
  if (snapshot.pause && snapshot.pause->id != seen_pause_) {
    seen_pause_ = snapshot.pause->id;
    event(debugger::describe_pause(*snapshot.pause));
  }
}

}  // namespace pwplay::gui
