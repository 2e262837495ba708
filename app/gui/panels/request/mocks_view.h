// The composer's Upstream and Callouts tabs: what the upstream answers (an echo of the request,
// a mock reply edited here, or a real server at HOST:PORT) and the reply each callout cluster gives
// (status, headers, body, delay, failure). They edit the draft through
// app/gui/core/request_composer.h.
#pragma once

#include <string>

#include "app/gui/core/workspace.h"

namespace pwplay::gui::request_ui {

void draw_upstream(RequestDraft& draft);

class CalloutsView {
 public:
  void draw(RequestDraft& draft);

 private:
  std::string new_cluster_;
};

}  // namespace pwplay::gui::request_ui
