// The welcome view (File > Samples, and at start when nothing could be loaded): the built samples
// with their language and what each shows, one click loading it with its request; the recent
// filters and requests; buttons to open a filter, a request or a project.
#pragma once

#include <string>
#include <vector>

#include "app/gui/core/recent.h"
#include "app/gui/core/samples.h"
#include "app/gui/panel.h"

namespace pwplay::gui {

// What the view lists: filled by the app when it starts and each time the view opens.
struct WelcomeModel {
  std::vector<AvailableSample> samples;
  std::string samples_error;  // why no sample is listed
  const RecentStore* recent = nullptr;
};

class WelcomeWindow : public Panel {
 public:
  explicit WelcomeWindow(const WelcomeModel& model) : Panel("Welcome"), model_(model) {
    open = false;
  }
  void draw(const Snapshot& snapshot, Commands& commands) override;
  bool drawn() const { return drawn_; }  // shown in the last frame (the automation log says so)

 private:
  void draw_samples(Commands& commands);
  void draw_recent(Commands& commands);
  const WelcomeModel& model_;
  bool drawn_ = false;
  bool was_open_ = false;
  float width_ = 0;      // of the tables and text: the window fits around them
  std::string message_;  // what the last click's command said when it failed
};

}  // namespace pwplay::gui
