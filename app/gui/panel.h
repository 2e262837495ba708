// Panel: one view of the desktop app (one class per file under panels/). A panel owns only UI
// state (scroll, filters, caches); it reads the engine's Snapshot, edits the Workspace it was
// given, and acts only by running commands from the command table.
#pragma once

#include <string>

#include "app/gui/core/command_table.h"
#include "app/gui/core/snapshot.h"

namespace pwplay::gui {

class Panel {
 public:
  explicit Panel(std::string name) : name_(std::move(name)) {}
  virtual ~Panel() = default;
  Panel(const Panel&) = delete;
  Panel& operator=(const Panel&) = delete;

  const std::string& name() const { return name_; }  // View menu entry, ini key
  // The title strip the layout draws above it (the name unless the panel says otherwise).
  virtual std::string title() const { return name_; }
  bool open = true;

  // Draws the panel's contents into the current window region (the layout owns the frame).
  virtual void draw(const Snapshot& snapshot, Commands& commands) = 0;

 private:
  std::string name_;
};

}  // namespace pwplay::gui
