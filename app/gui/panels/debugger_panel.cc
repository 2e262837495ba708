#include "app/gui/panels/debugger_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "app/gui/core/debug_commands.h"
#include "app/gui/style.h"
#include "app/gui/widgets.h"

namespace pwplay::gui {
namespace {

constexpr float kConsoleLinesInView = 6;  // lines of the console in view at first

}  // namespace

DebuggerPanel::DebuggerPanel(DebugView& view) : Panel("Debugger"), view_(view) {}

bool DebuggerPanel::take_new_pause(const Snapshot& snapshot) {
  if (!snapshot.pause || snapshot.pause->id == announced_pause_) return false;
  announced_pause_ = snapshot.pause->id;
  return true;
}

void DebuggerPanel::draw(const Snapshot& snapshot, Commands& commands) {
  pause_ = snapshot.pause;
  console_.observe(snapshot);
  // The console keeps the bottom of the tab (a splitter sets its height); breakpoints, controls
  // and the pause scroll above it.
  const ImGuiStyle& style = ImGui::GetStyle();
  const float input_height = ImGui::GetFrameHeightWithSpacing();
  const float avail = ImGui::GetContentRegionAvail().y;
  if (console_height_ <= 0.0f)
    console_height_ = (style::mono()->FontSize + style.ItemSpacing.y) * kConsoleLinesInView +
                      style.WindowPadding.y * 2 + input_height;
  constexpr float kSplitter = 6.0f;
  const float min_height = ImGui::GetFrameHeight() * 3;
  float top = std::max(avail - console_height_ - kSplitter, min_height);
  if (ImGui::BeginChild("##debugger-state", ImVec2(0, top))) {
    draw_breakpoints(snapshot, commands);
    draw_proxy_and_faults(snapshot, commands);
    ImGui::Separator();
    draw_controls(snapshot, commands);
    if (pause_ && pause_in_centre) {
      ImGui::TextColored(style::muted(),
                         "The code, frames, locals, event and memory of the pause are in the "
                         "centre (View > Debug layout switches back).");
    } else if (pause_) {
      view_.draw_stacked(*pause_, commands);
    }
  }
  ImGui::EndChild();
  widgets::splitter("##console-split", false, kSplitter, ImGui::GetContentRegionAvail().x, &top,
                    avail, min_height);
  console_height_ = std::max(avail - top - kSplitter, min_height);
  draw_console(commands);
}

void DebuggerPanel::draw_breakpoints(const Snapshot& snapshot, Commands& commands) {
  ImGui::SetNextItemWidth(-ImGui::CalcTextSize("Add breakpoint").x -
                          ImGui::GetStyle().FramePadding.x * 2 - ImGui::GetStyle().ItemSpacing.x);
  bool add = ImGui::InputTextWithHint("##new-breakpoint",
                                      "proxy_add_header_map_value if key == x-wasm-filter",
                                      &new_breakpoint_, ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  add &= !ImGui::GetIO().KeyCtrl;  // Ctrl+Enter is Send's
  add |= ImGui::Button("Add breakpoint");
  if (add && !new_breakpoint_.empty()) {
    if (commands.run("debug-break", CommandSource::Button, new_breakpoint_))
      new_breakpoint_.clear();
  }
  const auto& breakpoints = snapshot.breakpoints;
  if (breakpoints.empty()) {
    ImGui::TextColored(style::muted(),
                       "No breakpoints: a callback, a host call, trap, log LEVEL or "
                       "local_response, with an optional 'if CONDITION'.");
    return;
  }
  const ImGuiTableFlags flags =
      ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("breakpoints", 4, flags)) return;
  ImGui::TableSetupColumn("on", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("breakpoint", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("hits", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed);
  for (const auto& breakpoint : breakpoints) {
    ImGui::PushID(static_cast<int>(breakpoint.id));
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    bool enabled = breakpoint.enabled;
    if (ImGui::Checkbox("##on", &enabled))
      (void)commands.run("debug-toggle-breakpoint", CommandSource::Button,
                         std::to_string(breakpoint.id));
    ImGui::TableNextColumn();
    ImGui::Text("%u  %s", breakpoint.id, debugger::describe(breakpoint).c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%u", breakpoint.hits);
    ImGui::TableNextColumn();
    if (ImGui::SmallButton("x"))
      (void)commands.run("debug-delete", CommandSource::Button, std::to_string(breakpoint.id));
    ImGui::PopID();
  }
  ImGui::EndTable();
}

void DebuggerPanel::draw_proxy_and_faults(const Snapshot& snapshot, Commands& commands) {
  const auto& port = snapshot.proxy_port;
  const auto& injections = snapshot.injections;
  std::string title = "Proxy and faults";
  if (port) title += "  (proxy on port " + std::to_string(*port) + ")";
  if (!injections.empty()) title += "  (" + std::to_string(injections.size()) + " injected)";
  title += "###proxy-faults";
  if (!ImGui::CollapsingHeader(title.c_str())) return;
  auto report = [this](const Result<void>& result) {
    last_error_ = result ? std::string() : result.error().message;
  };
  if (port) {
    ImGui::Text("Listening on port %u: requests from curl or a browser stop at the breakpoints.",
                *port);
    ImGui::SameLine();
    if (ImGui::Button("Stop proxy"))
      report(commands.run("debug-stop-proxy", CommandSource::Button));
  } else {
    ImGui::SetNextItemWidth(ImGui::CalcTextSize("127.0.0.1:65535").x * 1.4f);
    ImGui::InputText("##listen", &listen_address_);
    ImGui::SameLine();
    if (ImGui::Button("Start proxy"))
      report(commands.run("debug-listen", CommandSource::Button, listen_address_));
  }
  ImGui::SetNextItemWidth(-ImGui::CalcTextSize("Inject  Clear").x -
                          ImGui::GetStyle().FramePadding.x * 4 -
                          ImGui::GetStyle().ItemSpacing.x * 2);
  bool inject = ImGui::InputTextWithHint("##fault", "proxy_http_call BAD_ARGUMENT | alloc on",
                                         &new_fault_, ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  inject |= ImGui::Button("Inject");
  if (inject && !new_fault_.empty()) {
    auto result = commands.run("debug-inject", CommandSource::Button, new_fault_);
    report(result);
    if (result) new_fault_.clear();
  }
  ImGui::SameLine();
  if (ImGui::Button("Clear")) report(commands.run("debug-inject", CommandSource::Button, "clear"));
  bool watching = snapshot.watching;
  if (ImGui::Checkbox("Reload when the module file changes, and replay the last request",
                      &watching))
    report(commands.run("debug-watch", CommandSource::Button, watching ? "on" : "off"));
  if (const uint32_t reloads = snapshot.reload_count; reloads > 0) {
    ImGui::TextColored(style::muted(), "Reloaded %u time%s.", reloads, reloads == 1 ? "" : "s");
    if (const auto& diff = snapshot.reload_diff) {
      if (diff->same())
        ImGui::TextColored(style::added(), "The last request behaves the same after the reload.");
      for (const auto& line : diff->outcome)
        ImGui::TextColored(style::warning(), "%s", line.c_str());
      if (!diff->trace.empty())
        ImGui::TextColored(style::muted(), "%zu trace differences (Compare runs shows them)",
                           diff->trace.size());
    }
  }
  for (const auto& [name, status] : injections)
    ImGui::TextColored(style::warning(), "%s returns %s", name.c_str(), abi::name(status).c_str());
  if (!last_error_.empty()) widgets::wrapped_colored(style::error(), last_error_);
  if (!port && !snapshot.proxy_error.empty())
    widgets::wrapped_colored(style::error(), "The proxy did not start: " + snapshot.proxy_error);
}

void DebuggerPanel::draw_controls(const Snapshot& snapshot, Commands& commands) {
  // In the debug layout the centre has the toolbar: the tab, narrower there, does not repeat it.
  if (!pause_in_centre) DebugView::draw_toolbar(snapshot, commands);
  const debugger::Session::State state = snapshot.state;
  switch (state) {
    case debugger::Session::State::Idle:
      ImGui::TextColored(style::muted(),
                         "Not running. Debug request sends the Request panel's "
                         "request through the filter with these breakpoints.");
      break;
    case debugger::Session::State::Running:
      ImGui::TextColored(style::accent(), "Running...");
      break;
    case debugger::Session::State::Paused:
      if (pause_)
        ImGui::TextColored(style::warning(), "Paused: %s, %s, stream %llu", pause_->reason.c_str(),
                           host::pause_point_name(pause_->where),
                           static_cast<unsigned long long>(pause_->stream_id));
      break;
  }
}

void DebuggerPanel::draw_console(Commands& commands) {
  const float input_line = ImGui::GetFrameHeightWithSpacing();  // in the UI font
  ImGui::PushFont(style::mono());
  // The rest of the tab, less the input line.
  if (ImGui::BeginChild("##console", ImVec2(0, -input_line), true,
                        ImGuiWindowFlags_HorizontalScrollbar)) {
    for (const auto& line : console_.lines()) {
      switch (line.kind) {
        case DebugConsole::Line::Kind::Input:
          ImGui::TextColored(style::accent(), "%s", line.text.c_str());
          break;
        case DebugConsole::Line::Kind::Error:
          ImGui::TextColored(style::error(), "%s", line.text.c_str());
          break;
        case DebugConsole::Line::Kind::Event:
          ImGui::TextColored(style::warning(), "%s", line.text.c_str());
          break;
        case DebugConsole::Line::Kind::Output:
          ImGui::TextUnformatted(line.text.c_str());
          break;
      }
    }
    // New lines scroll into view (unless the user scrolled up to read).
    if (console_.version() != console_shown_) {
      if (console_shown_ == 0 ||
          ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - ImGui::GetWindowHeight())
        ImGui::SetScrollHereY(1.0f);
      console_shown_ = console_.version();
    }
  }
  ImGui::EndChild();
  ImGui::PopFont();
  ImGui::SetNextItemWidth(-1);
  if (refocus_console_) {
    ImGui::SetKeyboardFocusHere();
    refocus_console_ = false;
  }
  const bool entered =
      ImGui::InputTextWithHint("##console-line", "(pwplay) break, continue, info args, help ...",
                               &console_line_, ImGuiInputTextFlags_EnterReturnsTrue);
  if (entered && ImGui::GetIO().KeyCtrl) {
    // Ctrl+Enter is Send's, from anywhere: the line stays, and so does the focus.
    refocus_console_ = true;
  } else if (entered) {
    (void)run_console_line(commands, console_, console_line_);
    console_line_.clear();
    refocus_console_ = true;  // Enter leaves the field: keep typing
  }
}

}  // namespace pwplay::gui
