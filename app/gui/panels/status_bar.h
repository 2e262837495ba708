// Status bar: the engine and ABI of the loaded filter, the last run's outcome and filter time,
// what the engine thread is doing, and after a sample loads, what to try next.
#pragma once

#include <string>

#include "app/gui/panel.h"

namespace pwplay::gui {

class StatusBar : public Panel {
 public:
  StatusBar() : Panel("Status bar") {}
  void draw(const Snapshot& snapshot, Commands& commands) override;
  // "Ctrl+Enter sends; ..." (app/gui/core/firstrun_commands.h); "" shows none.
  void set_hint(std::string hint) { hint_ = std::move(hint); }
  const std::string& hint() const { return hint_; }

 private:
  std::string hint_;
};

}  // namespace pwplay::gui
