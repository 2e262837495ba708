#include "app/gui/panels/debug_view.h"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "app/gui/panels/code_gutter.h"
#include "app/gui/style.h"
#include "app/gui/widgets.h"
#include "host/disassembly.h"
#include "host/trace.h"

namespace pwplay::gui {
namespace {

constexpr size_t kValueLimit = 80;  // argument values on one line

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

void section_title(const char* title) {
  ImGui::TextColored(style::accent(), "%s", title);
  ImGui::Separator();
}

std::string function_label(const host::WasmLocation& wasm) {
  return wasm.function_name.empty() ? "func[" + std::to_string(wasm.function_index) + "]"
                                    : "$" + wasm.function_name;
}

// The regions of this event first, then the rest of the callback's.
std::vector<const debugger::MemoryRegion*> pause_regions(const debugger::PauseInfo& pause) {
  std::vector<const debugger::MemoryRegion*> regions;
  for (const auto& region : pause.event_regions) regions.push_back(&region);
  for (const auto& region : pause.callback_regions) {
    bool listed = std::any_of(regions.begin(), regions.end(), [&](const debugger::MemoryRegion* r) {
      return r->seq == region.seq;
    });
    if (!listed) regions.push_back(&region);
  }
  return regions;
}

}  // namespace

DebugView::DebugView(debugger::Session& session) : Panel("Debug"), session_(session) {}

void DebugView::draw_toolbar(const Snapshot& snapshot, Commands& commands) {
  const bool paused = snapshot.state == debugger::Session::State::Paused;
  const bool can_stepi = snapshot.pause && snapshot.pause->can_step_instructions;
  ImGui::BeginDisabled(paused);
  if (ImGui::Button("Debug request")) (void)commands.run("debug-send", CommandSource::Button);
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("Ctrl+D");
  for (const StepButton& button : kStepButtons) {
    ImGui::SameLine();
    const bool instruction = std::string_view(button.command) == "debug-stepi";
    ImGui::BeginDisabled(!paused || (instruction && !can_stepi));
    if (ImGui::Button(button.label)) (void)commands.run(button.command, CommandSource::Button);
    ImGui::EndDisabled();
    if (*button.keys && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
      ImGui::SetTooltip("%s%s", button.keys,
                        instruction ? " (the wabt engine steps wasm instructions)" : "");
  }
}

void DebugView::observe(const debugger::PauseInfo& pause) {
  if (pause.id == pause_id_) return;
  pause_id_ = pause.id;
  selected_region_ = 0;
}

void DebugView::draw(const Snapshot& snapshot, Commands& commands) {
  code_lines_.clear();
  draw_toolbar(snapshot, commands);
  if (!snapshot.pause) {
    ImGui::Spacing();
    ImGui::TextColored(style::muted(),
                       "Nothing is paused. Add a breakpoint in the Debugger tab, then Debug "
                       "request (Ctrl+D): the paused stream shows here.");
    return;
  }
  const debugger::PauseInfo& pause = *snapshot.pause;
  observe(pause);
  ImGui::SameLine(0, 16);
  ImGui::TextColored(style::warning(), "Paused: %s, %s, stream %llu", pause.reason.c_str(),
                     host::pause_point_name(pause.where),
                     static_cast<unsigned long long>(pause.stream_id));

  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float min_size = ImGui::GetFrameHeightWithSpacing() * 3;
  float left = std::clamp(sizes.code_width * (avail.x - widgets::kSplitter), min_size,
                          std::max(min_size, avail.x - widgets::kSplitter - min_size));
  float top = std::clamp(sizes.top_height * (avail.y - widgets::kSplitter), min_size,
                         std::max(min_size, avail.y - widgets::kSplitter - min_size));
  const ImGuiWindowFlags scroll = ImGuiWindowFlags_HorizontalScrollbar;

  // Top row: the code | frames, locals and stack.
  if (ImGui::BeginChild("##debug-top", ImVec2(0, top), false, ImGuiWindowFlags_NoScrollbar)) {
    if (ImGui::BeginChild("##debug-code", ImVec2(left, 0), true, scroll)) {
      if (pause.wasm)
        draw_code(*pause.wasm, commands, true);
      else
        draw_callback_code(pause, commands);
    }
    ImGui::EndChild();
    ImGui::SameLine(0, 0);
    if (widgets::splitter("##debug-split-x", true, widgets::kSplitter, top, &left, avail.x,
                          min_size))
      sizes.code_width = left / (avail.x - widgets::kSplitter);
    ImGui::SameLine(0, 0);
    if (ImGui::BeginChild("##debug-state", ImVec2(0, 0), true, scroll)) {
      draw_frames(pause);
      if (pause.wasm) {
        ImGui::Spacing();
        draw_locals(*pause.wasm);
      }
    }
    ImGui::EndChild();
  }
  ImGui::EndChild();
  if (widgets::splitter("##debug-split-y", false, widgets::kSplitter, avail.x, &top, avail.y,
                        min_size))
    sizes.top_height = top / (avail.y - widgets::kSplitter);

  // Bottom row: the event and the regions | the memory (wide enough for 16 bytes and their text).
  const float bottom = std::max(ImGui::GetContentRegionAvail().y, min_size);
  float event = std::clamp(sizes.event_width * (avail.x - widgets::kSplitter), min_size,
                           std::max(min_size, avail.x - widgets::kSplitter - min_size));
  if (ImGui::BeginChild("##debug-bottom", ImVec2(0, 0), false, ImGuiWindowFlags_NoScrollbar)) {
    if (ImGui::BeginChild("##debug-event", ImVec2(event, 0), true, scroll)) {
      section_title("Event");
      draw_event(pause);
      ImGui::Spacing();
      draw_regions(pause, false);
    }
    ImGui::EndChild();
    ImGui::SameLine(0, 0);
    if (widgets::splitter("##debug-split-bottom", true, widgets::kSplitter, bottom, &event, avail.x,
                          min_size))
      sizes.event_width = event / (avail.x - widgets::kSplitter);
    ImGui::SameLine(0, 0);
    // The memory view's slot: the Memory tab's panel when this build has one.
    if (ImGui::BeginChild("##debug-memory", ImVec2(0, 0), true, scroll)) {
      section_title("Memory");
      if (memory_panel_)
        memory_panel_->draw(snapshot, commands);
      else
        draw_region_bytes(pause);
    }
    ImGui::EndChild();
  }
  ImGui::EndChild();
}

void DebugView::draw_stacked(const debugger::PauseInfo& pause, Commands& commands) {
  code_lines_.clear();
  observe(pause);
  draw_event(pause);
  if (ImGui::CollapsingHeader("Frames", ImGuiTreeNodeFlags_DefaultOpen)) draw_frames(pause);
  if (pause.wasm && ImGui::CollapsingHeader("Code", ImGuiTreeNodeFlags_DefaultOpen))
    draw_code(*pause.wasm, commands, false);
  if (pause.wasm && ImGui::CollapsingHeader("Locals and stack", ImGuiTreeNodeFlags_DefaultOpen))
    draw_locals(*pause.wasm);
  if (ImGui::CollapsingHeader("Memory", ImGuiTreeNodeFlags_DefaultOpen)) draw_regions(pause, true);
}

void DebugView::draw_event(const debugger::PauseInfo& pause) {
  ImGui::PushFont(style::mono());
  if (pause.wasm) {
    const auto& wasm = *pause.wasm;
    ImGui::Text("0x%06x  %s  %s", wasm.file_offset, function_label(wasm).c_str(),
                wasm.instruction.c_str());
    if (!pause.event.name.empty())
      ImGui::TextWrapped("in %s",
                         host::event_line(pause.event, {.value_limit = kValueLimit}).c_str());
  } else {
    ImGui::TextWrapped("%s", host::event_line(pause.event, {.value_limit = kValueLimit}).c_str());
  }
  ImGui::PopFont();
}

void DebugView::draw_frames(const debugger::PauseInfo& pause) {
  section_title("Frames (innermost first)");
  ImGui::PushFont(style::mono());
  if (pause.wasm)
    for (auto it = pause.wasm->call_stack.rbegin(); it != pause.wasm->call_stack.rend(); ++it)
      ImGui::Text("wasm %s at 0x%06x", it->name.empty() ? "?" : ("$" + it->name).c_str(),
                  it->code_offset);
  for (auto it = pause.frames.rbegin(); it != pause.frames.rend(); ++it)
    ImGui::Text("%s %s(%s)", it->kind == host::EventKind::HostCall ? "hostcall" : "callback",
                it->name.c_str(), host::format_fields(it->args, kValueLimit).c_str());
  if (pause.frames.empty() && !pause.wasm) ImGui::TextColored(style::muted(), "none");
  ImGui::PopFont();
}

void DebugView::draw_locals(const host::WasmLocation& wasm) {
  section_title("Locals and operand stack");
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

void DebugView::draw_code(const host::WasmLocation& location, Commands& commands, bool whole) {
  auto wat = session_.disassembly();
  const host::FunctionWat* function = wat ? (*wat)->function(location.function_index) : nullptr;
  code_lines_.clear();
  if (whole) section_title("Code (click a line: breakpoint; right-click: run to it)");
  if (!function) {
    ImGui::TextColored(style::muted(), "No code to show%s%s", wat ? "" : ": ",
                       wat ? "" : wat.error().message.c_str());
    return;
  }
  draw_function(*function, location.file_offset, commands, whole);
}

void DebugView::draw_callback_code(const debugger::PauseInfo& pause, Commands& commands) {
  code_lines_.clear();
  // The outermost callback frame: the export the proxy called.
  const auto callback = std::find_if(
      pause.frames.begin(), pause.frames.end(),
      [](const debugger::AbiFrame& frame) { return frame.kind == host::EventKind::Callback; });
  auto wat = session_.disassembly();
  const host::FunctionWat* function =
      wat && callback != pause.frames.end() ? (*wat)->find(callback->name) : nullptr;
  section_title("Code");
  if (!function) {
    ImGui::TextColored(style::muted(),
                       "Paused at an ABI event. Step instruction (F11, wabt engine) stops "
                       "at the wasm code; the event is below.");
    return;
  }
  // Wrapped at the visible edge (the code's long lines widen the child's content).
  ImGui::PushTextWrapPos(ImGui::GetScrollX() + ImGui::GetWindowWidth() -
                         ImGui::GetStyle().WindowPadding.x - ImGui::GetStyle().ScrollbarSize);
  ImGui::TextColored(style::muted(),
                     "In %s, at an ABI event: no instruction is current. Step instruction "
                     "(F11, wabt engine) stops in this code; a click on a line sets a "
                     "breakpoint there (wabt engine).",
                     callback->name.c_str());
  ImGui::PopTextWrapPos();
  draw_function(*function, std::nullopt, commands, true);
}

void DebugView::draw_function(const host::FunctionWat& function,
                              std::optional<uint32_t> current_offset, Commands& commands,
                              bool whole) {
  ImGui::PushFont(style::mono());
  ImGui::TextColored(style::muted(), "%s", function.header.c_str());
  std::span<const host::WatInstruction> lines =
      whole || !current_offset ? std::span<const host::WatInstruction>(function.instructions)
                               : host::instructions_around(function, *current_offset, 6, 8);
  const float line_height = ImGui::GetTextLineHeightWithSpacing();
  int current = -1;
  for (size_t i = 0; i < lines.size(); ++i)
    if (current_offset && lines[i].offset == *current_offset) current = static_cast<int>(i);
  if (whole && current >= 0 && scrolled_to_ != *current_offset) {
    // A new stop: bring its line to a third of the way down.
    scrolled_to_ = *current_offset;
    const float avail = ImGui::GetContentRegionAvail().y;
    ImGui::SetScrollY(std::max(0.0f, ImGui::GetCursorPosY() + line_height * current - avail / 3));
  }
  const std::vector<debugger::Breakpoint> breakpoints = session_.breakpoints();
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(lines.size()), line_height);
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const host::WatInstruction& instruction = lines[static_cast<size_t>(i)];
      const bool is_current = i == current;
      const BreakpointMark mark = breakpoint_mark(breakpoints, instruction.offset);
      char offset[16];
      std::snprintf(offset, sizeof(offset), "0x%x", instruction.offset);
      draw_breakpoint_gutter(mark);
      char text[512];
      std::snprintf(text, sizeof(text), "0x%06x  %s %s%s##%d", instruction.offset,
                    is_current ? "=>" : "  ", std::string(instruction.depth * 2, ' ').c_str(),
                    instruction.text.c_str(), i);
      if (is_current) ImGui::PushStyleColor(ImGuiCol_Text, style::accent());
      // A click sets or removes a breakpoint; the context menu runs to the line.
      if (ImGui::Selectable(text, is_current))
        (void)commands.run("toggle-code-breakpoint", CommandSource::Button, offset);
      if (is_current) ImGui::PopStyleColor();
      code_lines_.push_back(code_line_from_item(instruction.offset, mark, is_current));
      if (ImGui::BeginPopupContextItem()) {
        if (ImGui::MenuItem("Run to here"))
          (void)commands.run("debug-until", CommandSource::Button, offset);
        if (ImGui::MenuItem(mark == BreakpointMark::None ? "Add breakpoint" : "Remove breakpoint"))
          (void)commands.run("toggle-code-breakpoint", CommandSource::Button, offset);
        ImGui::EndPopup();
      }
      if (ImGui::IsItemHovered() && !ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopupId))
        ImGui::SetTooltip(
            "Click: %s a breakpoint at 0x%06x (wabt engine).\nRight-click: run to here.",
            mark == BreakpointMark::None ? "add" : "remove", instruction.offset);
    }
  }
  ImGui::PopFont();
}

void DebugView::draw_regions(const debugger::PauseInfo& pause, bool with_bytes) {
  section_title("Memory copied between host and VM");
  std::vector<const debugger::MemoryRegion*> regions = pause_regions(pause);
  if (regions.empty()) {
    ImGui::TextColored(style::muted(), "No memory was copied in this callback yet.");
  } else {
    selected_region_ = std::clamp(selected_region_, 0, static_cast<int>(regions.size()) - 1);
    const float rows = with_bytes ? std::min(6.0f, static_cast<float>(regions.size()) + 1.0f)
                                  : static_cast<float>(regions.size()) + 1.0f;
    if (ImGui::BeginTable(
            "regions", 3,
            ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp,
            ImVec2(0, with_bytes ? rows * ImGui::GetFrameHeight() : 0))) {
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
  if (with_bytes) draw_region_bytes(pause);
}

void DebugView::draw_region_bytes(const debugger::PauseInfo& pause) {
  if (!pause.memory || pause.memory->empty()) {
    ImGui::TextColored(style::muted(), "No memory snapshot at this pause.");
    return;
  }
  std::vector<const debugger::MemoryRegion*> regions = pause_regions(pause);
  // The selected region with a row of context on each side (the whole memory is in the snapshot).
  const auto& memory = *pause.memory;
  uint32_t begin = 0;
  uint32_t end = static_cast<uint32_t>(std::min<size_t>(memory.size(), 256));
  if (!regions.empty()) {
    selected_region_ = std::clamp(selected_region_, 0, static_cast<int>(regions.size()) - 1);
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
