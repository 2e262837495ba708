// Learn panel: the guided lessons (assets/lessons). Without a lesson open, the list with each
// lesson's progress; with one, the current step's text, the commands its Run step button runs,
// the check that tells the step is done (noticed too when the user does the step by hand), and
// Back / Next. It sits in a column of its own beside the live panels.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "app/gui/core/lesson_runner.h"
#include "app/gui/panel.h"

namespace pwplay::gui {

class LearnPanel : public Panel {
 public:
  explicit LearnPanel(LessonRunner& runner) : Panel("Learn"), runner_(runner) { open = false; }
  std::string title() const override;
  void draw(const Snapshot& snapshot, Commands& commands) override;

  // Where the buttons were drawn last frame, in window pixels ({"run": {"x", "y", "width",
  // "height"}, ...}): tests click them with real input.
  nlohmann::json buttons_json() const;

 private:
  void draw_list(Commands& commands);
  void draw_step(Commands& commands);
  // Where the last item was drawn, under `key` for buttons_json().
  void remember_item(const std::string& key);
  // A button that runs `command`; remembered under `key` for buttons_json().
  void command_button(const char* label, const char* key, const char* command, Commands& commands);

  LessonRunner& runner_;
  struct Rect {
    float x = 0, y = 0, width = 0, height = 0;
  };
  std::map<std::string, Rect> buttons_;
};

}  // namespace pwplay::gui
