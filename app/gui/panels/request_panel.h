// The request composer: method and URL with its query as rows, the authority, headers (switch
// one off, reorder), body (text, JSON, hex, from a file), trailers, what the upstream answers
// and the callout mocks; opened from and saved to REQ.json files, presets, curl and HAR through
// the File commands. Send runs it through the filter.
#pragma once

#include <string>
#include <vector>

#include "app/gui/core/workspace.h"
#include "app/gui/panel.h"
#include "app/gui/panels/request/mocks_view.h"

namespace pwplay::gui {

class RequestPanel : public Panel {
 public:
  explicit RequestPanel(Workspace& workspace) : Panel("Request"), workspace_(workspace) {}
  void draw(const Snapshot& snapshot, Commands& commands) override;
  // The next frame gives the curl field the keyboard.
  void focus_curl() { focus_curl_ = true; }

 private:
  void draw_file_row(Commands& commands);
  void draw_request_line(const Snapshot& snapshot, Commands& commands);
  void draw_body();
  void draw_presets(Commands& commands);

  enum class BodyMode : int { Text, Json, Hex };
  Workspace& workspace_;
  request_ui::CalloutsView callouts_;
  BodyMode body_mode_ = BodyMode::Text;
  std::string hex_text_;    // the Hex form being edited
  std::string hex_of_;      // the body hex_text_ was made from
  std::string body_error_;  // why Pretty-print, Apply hex or Load failed
  std::string body_file_;   // Load from file: the path typed
  std::vector<std::string> presets_;
  bool presets_listed_ = false;
  std::string curl_text_;  // a curl command typed into the composer
  bool focus_curl_ = false;
};

}  // namespace pwplay::gui
