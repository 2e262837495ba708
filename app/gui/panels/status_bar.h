// Status bar: the engine and ABI of the loaded filter, the last run's outcome and filter time,
// and what the engine thread is doing.
#pragma once

#include "app/gui/panel.h"

namespace pwplay::gui {

class StatusBar : public Panel {
 public:
  StatusBar() : Panel("Status bar") {}
  void draw(const Snapshot& snapshot, Commands& commands) override;
};

}  // namespace pwplay::gui
