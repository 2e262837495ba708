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

constexpr size_t kValueLimit = 80;  // argument values on one line
constexpr float kConsoleLines = 6;  // lines of the console in view at first

// The buttons of the stepping toolbar, with the command each runs.
struct StepButton {
  const char* label;
  const char* command;
  const char* keys;
};
constexpr StepButton kStepButtons[] = {
    {"Continue", "debug-continue", "F5"},    {"Step", "debug-step", "F10"},
    {"Next", "debug-next", "Shift+F10"},     {"Step instruction", "debug-stepi", "F11"},
    {"Finish", "debug-finish", "Shift+F11"}, {"Abort", "debug-abort", ""},
};

}  // namespace

DebuggerPanel::DebuggerPanel(debugger::Session& session) : Panel("Debugger"), session_(session) {}

bool DebuggerPanel::take_new_pause(const Snapshot& snapshot) {
  if (!snapshot.pause || snapshot.pause->id == announced_pause_) return false;
  announced_pause_ = snapshot.pause->id;
  return true;
}

void DebuggerPanel::draw(const Snapshot& snapshot, Commands& commands) {
  const debugger::Session::State state = snapshot.state;
  if (snapshot.pause) {
    if (!pause_ || pause_->id != snapshot.pause->id) selected_region_ = 0;
    pause_ = snapshot.pause;
  } else {
    pause_.reset();
  }
  console_.observe(snapshot);
  // The console keeps the bottom of the tab (a splitter sets its height); breakpoints, controls
  // and the pause scroll above it.
  const ImGuiStyle& style = ImGui::GetStyle();
  const float input_height = ImGui::GetFrameHeightWithSpacing();
  const float avail = ImGui::GetContentRegionAvail().y;
  if (console_height_ <= 0.0f)
    console_height_ = (style::mono()->FontSize + style.ItemSpacing.y) * kConsoleLines +
                      style.WindowPadding.y * 2 + input_height;
  constexpr float kSplitter = 6.0f;
  const float min_height = ImGui::GetFrameHeight() * 3;
  float top = std::max(avail - console_height_ - kSplitter, min_height);
  if (ImGui::BeginChild("##debugger-state", ImVec2(0, top))) {
    draw_breakpoints(snapshot, commands);
    draw_proxy_and_faults(snapshot, commands);
    ImGui::Separator();
    draw_controls(commands, state);
    if (pause_) draw_pause(*pause_);
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

void DebuggerPanel::draw_controls(Commands& commands, debugger::Session::State state) {
  const bool paused = state == debugger::Session::State::Paused;
  ImGui::BeginDisabled(paused);
  if (ImGui::Button("Debug request")) (void)commands.run("debug-send", CommandSource::Button);
  ImGui::EndDisabled();
  for (const StepButton& button : kStepButtons) {
    ImGui::SameLine();
    const bool instruction = std::string_view(button.command) == "debug-stepi";
    ImGui::BeginDisabled(!paused || (instruction && !(pause_ && pause_->can_step_instructions)));
    if (ImGui::Button(button.label)) (void)commands.run(button.command, CommandSource::Button);
    ImGui::EndDisabled();
    if (*button.keys && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
      ImGui::SetTooltip("%s%s", button.keys,
                        instruction ? " (the wabt engine steps wasm instructions)" : "");
  }
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
  if (ImGui::InputTextWithHint("##console-line", "(pwplay) break, continue, info args, help ...",
                               &console_line_, ImGuiInputTextFlags_EnterReturnsTrue)) {
    (void)run_console_line(commands, console_, console_line_);
    console_line_.clear();
    refocus_console_ = true;  // Enter leaves the field: keep typing
  }
}

void DebuggerPanel::draw_code(const host::WasmLocation& location) {
  auto wat = session_.disassembly();
  const host::FunctionWat* function = wat ? (*wat)->function(location.function_index) : nullptr;
  if (!function) {
    ImGui::TextColored(style::muted(), "No code to show%s%s", wat ? "" : ": ",
                       wat ? "" : wat.error().message.c_str());
    return;
  }
  ImGui::PushFont(style::mono());
  ImGui::TextColored(style::muted(), "%s", function->header.c_str());
  for (const auto& instruction : host::instructions_around(*function, location.file_offset, 6, 8)) {
    const bool current = instruction.offset == location.file_offset;
    const std::string text = std::string(current ? "=> " : "   ") +
                             std::string(instruction.depth * 2, ' ') + instruction.text;
    if (current)
      ImGui::TextColored(style::accent(), "0x%06x  %s", instruction.offset, text.c_str());
    else
      ImGui::Text("0x%06x  %s", instruction.offset, text.c_str());
  }
  ImGui::PopFont();
}

void DebuggerPanel::draw_pause(const debugger::PauseInfo& pause) {
  ImGui::PushFont(style::mono());
  if (pause.wasm) {
    const auto& wasm = *pause.wasm;
    ImGui::Text("0x%06x  %s  %s", wasm.file_offset,
                wasm.function_name.empty()
                    ? ("func[" + std::to_string(wasm.function_index) + "]").c_str()
                    : ("$" + wasm.function_name).c_str(),
                wasm.instruction.c_str());
  } else {
    ImGui::TextWrapped("%s", host::event_line(pause.event, {.value_limit = kValueLimit}).c_str());
  }
  ImGui::PopFont();

  if (ImGui::CollapsingHeader("Frames", ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::PushFont(style::mono());
    if (pause.wasm)
      for (auto it = pause.wasm->call_stack.rbegin(); it != pause.wasm->call_stack.rend(); ++it)
        ImGui::Text("wasm %s at 0x%06x", it->name.empty() ? "?" : ("$" + it->name).c_str(),
                    it->code_offset);
    for (auto it = pause.frames.rbegin(); it != pause.frames.rend(); ++it) {
      ImGui::Text("%s %s(%s)", it->kind == host::EventKind::HostCall ? "hostcall" : "callback",
                  it->name.c_str(), host::format_fields(it->args, kValueLimit).c_str());
    }
    ImGui::PopFont();
  }

  if (pause.wasm && ImGui::CollapsingHeader("Code", ImGuiTreeNodeFlags_DefaultOpen))
    draw_code(*pause.wasm);
  if (pause.wasm && ImGui::CollapsingHeader("Locals and stack", ImGuiTreeNodeFlags_DefaultOpen)) {
    const auto& wasm = *pause.wasm;
    ImGui::PushFont(style::mono());
    for (size_t i = 0; i < wasm.locals.size(); ++i) {
      const bool named = i < wasm.local_names.size() && !wasm.local_names[i].empty();
      ImGui::Text(
          "%s = %s",
          named ? ("$" + wasm.local_names[i]).c_str() : ("local " + std::to_string(i)).c_str(),
          host::to_string(wasm.locals[i]).c_str());
    }
    std::string stack;
    for (const auto& value : wasm.stack) stack += " " + host::to_string(value);
    ImGui::Text("stack (bottom first):%s", stack.empty() ? " empty" : stack.c_str());
    ImGui::PopFont();
  }

  // This event's copies first, then the rest of the callback's.
  std::vector<const debugger::MemoryRegion*> regions;
  for (const auto& region : pause.event_regions) regions.push_back(&region);
  for (const auto& region : pause.callback_regions) {
    bool listed = std::any_of(regions.begin(), regions.end(), [&](const debugger::MemoryRegion* r) {
      return r->seq == region.seq;
    });
    if (!listed) regions.push_back(&region);
  }
  if (!ImGui::CollapsingHeader("Memory", ImGuiTreeNodeFlags_DefaultOpen)) return;
  if (regions.empty()) {
    ImGui::TextColored(style::muted(), "No memory was copied in this callback yet.");
  } else {
    selected_region_ = std::clamp(selected_region_, 0, static_cast<int>(regions.size()) - 1);
    const float table_height =
        std::min(6.0f, static_cast<float>(regions.size()) + 1.0f) * ImGui::GetFrameHeight();
    if (ImGui::BeginTable(
            "regions", 3,
            ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp,
            ImVec2(0, table_height))) {
      ImGui::TableSetupScrollFreeze(0, 1);
      ImGui::TableSetupColumn("address", ImGuiTableColumnFlags_WidthFixed);
      ImGui::TableSetupColumn("bytes", ImGuiTableColumnFlags_WidthFixed);
      ImGui::TableSetupColumn("holds", ImGuiTableColumnFlags_WidthStretch);
      ImGui::TableHeadersRow();
      for (size_t i = 0; i < regions.size(); ++i) {
        const auto& region = *regions[i];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        char address[32];
        std::snprintf(address, sizeof(address), "0x%08x##%zu", region.address, i);
        if (ImGui::Selectable(address, selected_region_ == static_cast<int>(i),
                              ImGuiSelectableFlags_SpanAllColumns))
          selected_region_ = static_cast<int>(i);
        ImGui::TableNextColumn();
        ImGui::Text("%u %s", region.length,
                    region.direction == host::CopyDirection::HostToVm ? "host->vm" : "vm->host");
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(region.label.c_str());
      }
      ImGui::EndTable();
    }
  }
  if (!pause.memory || pause.memory->empty()) return;
  // The selected region with a row of context on each side (the whole memory is in the snapshot).
  const auto& memory = *pause.memory;
  uint32_t begin = 0;
  uint32_t end = static_cast<uint32_t>(std::min<size_t>(memory.size(), 256));
  if (!regions.empty()) {
    const auto& region = *regions[static_cast<size_t>(selected_region_)];
    begin = region.address >= 16 ? (region.address - 16) & ~15u : 0;
    end = static_cast<uint32_t>(
        std::min<size_t>(memory.size(), static_cast<size_t>(region.address) + region.length + 16));
    if (begin >= memory.size()) begin = end = 0;
    ImGui::TextColored(style::muted(), "VM memory at the pause, around 0x%08x (%u bytes: %s)",
                       region.address, region.length, region.label.c_str());
  }
  std::string_view bytes(reinterpret_cast<const char*>(memory.data()) + begin, end - begin);
  widgets::hex_view("memory", bytes, begin, ImVec2(0, 0));
}

}  // namespace pwplay::gui
