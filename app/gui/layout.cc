#include "app/gui/layout.h"

#include <imgui.h>
#include <imgui_internal.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include "app/gui/widgets.h"

namespace pwplay::gui {
namespace {

void* ini_open(ImGuiContext*, ImGuiSettingsHandler* handler, const char* name) {
  return std::strcmp(name, "Layout") == 0 ? handler->UserData : nullptr;
}

}  // namespace

Layout::Layout(Slots slots) : slots_(slots) {}

std::vector<Panel*> Layout::panels() const {
  return {slots_.filter,    slots_.request, slots_.result, slots_.timeline,
          slots_.inspector, slots_.status,  slots_.learn};
}

void Layout::reset() {
  left_fraction_ = kLeftFraction;
  right_fraction_ = kRightFraction;
  debug_right_ = kDebugRight;
  left_top_ = kLeftTop;
  centre_top_ = kCentreTop;
  learn_fraction_ = kLearnFraction;
  slots_.debug->sizes = DebugView::Sizes{};
  // Every panel back, but the Learn column: it is there for a lesson, not part of the layout.
  for (Panel* panel : panels())
    if (panel != slots_.learn) panel->open = true;
  ImGui::MarkIniSettingsDirty();
}

void Layout::set_theme(Theme theme) {
  appearance.theme = theme;
  ImGui::MarkIniSettingsDirty();
}

void Layout::set_font_scale(float scale) {
  appearance.font_scale = clamp_font_scale(scale);
  ImGui::MarkIniSettingsDirty();
}

void Layout::install_ini_handler() {
  ImGuiSettingsHandler handler;
  handler.TypeName = "pwplay";
  handler.TypeHash = ImHashStr("pwplay");
  handler.UserData = this;
  handler.ReadOpenFn = ini_open;
  handler.ReadLineFn = [](ImGuiContext*, ImGuiSettingsHandler*, void* entry, const char* line) {
    auto* self = static_cast<Layout*>(entry);
    float value = 0;
    int flag = 0;
    char name[64];
    auto fraction = [&](const char* format, float& into, float low, float high) {
      if (std::sscanf(line, format, &value) == 1) into = std::clamp(value, low, high);
    };
    fraction("LeftWidth=%f", self->left_fraction_, 0.1f, 0.6f);
    fraction("RightWidth=%f", self->right_fraction_, 0.1f, 0.6f);
    fraction("DebugRightWidth=%f", self->debug_right_, 0.1f, 0.6f);
    fraction("LeftSplit=%f", self->left_top_, 0.05f, 0.95f);
    fraction("CentreSplit=%f", self->centre_top_, 0.05f, 0.95f);
    fraction("LearnWidth=%f", self->learn_fraction_, 0.1f, 0.5f);
    fraction("DebugCodeWidth=%f", self->slots_.debug->sizes.code_width, 0.1f, 0.9f);
    fraction("DebugTopHeight=%f", self->slots_.debug->sizes.top_height, 0.1f, 0.9f);
    fraction("DebugEventWidth=%f", self->slots_.debug->sizes.event_width, 0.1f, 0.9f);
    if (std::sscanf(line, "FontScale=%f", &value) == 1)
      self->appearance.font_scale = clamp_font_scale(value);
    if (std::sscanf(line, "Theme=%63s", name) == 1) {
      if (auto theme = parse_theme(name)) self->appearance.theme = *theme;
    }
    if (std::sscanf(line, "Open.%63[^=]=%d", name, &flag) == 2) {
      for (Panel* panel : self->panels())
        if (panel->name() == name) panel->open = flag != 0;
    }
  };
  handler.WriteAllFn = [](ImGuiContext*, ImGuiSettingsHandler* h, ImGuiTextBuffer* out) {
    auto* self = static_cast<Layout*>(h->UserData);
    out->appendf("[%s][Layout]\n", h->TypeName);
    out->appendf("LeftWidth=%.4f\nRightWidth=%.4f\nLeftSplit=%.4f\nCentreSplit=%.4f\n",
                 self->left_fraction_, self->right_fraction_, self->left_top_, self->centre_top_);
    out->appendf("DebugCodeWidth=%.4f\nDebugTopHeight=%.4f\n", self->slots_.debug->sizes.code_width,
                 self->slots_.debug->sizes.top_height);
    out->appendf("LearnWidth=%.4f\n", self->learn_fraction_);
    out->appendf("Theme=%s\nFontScale=%.2f\n", theme_name(self->appearance.theme),
                 self->appearance.font_scale);
    for (Panel* panel : self->panels())
      out->appendf("Open.%s=%d\n", panel->name().c_str(), panel->open ? 1 : 0);
    out->append("\n");
  };
  ImGui::GetCurrentContext()->SettingsHandlers.push_back(handler);
  // ImGui would read the file at the first frame; reading it now lets the app build the fonts
  // and theme the file asks for before that frame.
  const char* ini = ImGui::GetIO().IniFilename;
  if (ini && *ini) ImGui::LoadIniSettingsFromDisk(ini);
}

void Layout::follow_pause(const Snapshot& snapshot) {
  const bool paused = snapshot.pause != nullptr;
  if (paused && !in_pause_) {
    in_pause_ = true;
    mode_ = LayoutMode::Debug;
  } else if (!paused && snapshot.state != debugger::SessionState::Running && in_pause_) {
    // Between two steps the stream runs: only its end (nothing paused or running) counts.
    in_pause_ = false;
    mode_ = LayoutMode::Normal;
  }
}

void Layout::draw(const Snapshot& snapshot, Commands& commands) {
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  const ImGuiWindowFlags fixed = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoSavedSettings |
                                 ImGuiWindowFlags_NoBringToFrontOnFocus;
  float status_height = slots_.status->open ? ImGui::GetFrameHeight() + 2.0f : 0.0f;

  ImGui::SetNextWindowPos(viewport->WorkPos);
  ImGui::SetNextWindowSize(ImVec2(viewport->WorkSize.x, viewport->WorkSize.y - status_height));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(6, 6));
  ImGui::Begin("##workspace", nullptr, fixed | ImGuiWindowFlags_NoScrollbar);
  ImGui::PopStyleVar();
  ImVec2 avail = ImGui::GetContentRegionAvail();
  bool learn = slots_.learn && slots_.learn->open;
  if (learn) {
    // The lesson's text stays beside whatever the lesson shows, in both layouts.
    const float min_width = ImGui::GetFontSize() * 14;
    float column =
        std::clamp(learn_fraction_ * avail.x, min_width, std::max(min_width, avail.x * 0.5f));
    ImGui::BeginChild("##learn-column", ImVec2(column, avail.y), false,
                      ImGuiWindowFlags_NoScrollbar);
    draw_frame(slots_.learn, 0.0f, snapshot, commands);
    ImGui::EndChild();
    ImGui::SameLine(0, 0);
    if (widgets::splitter("##learn-split", true, widgets::kSplitter, avail.y, &column, avail.x,
                          min_width)) {
      learn_fraction_ = column / avail.x;
      ImGui::MarkIniSettingsDirty();
    }
    ImGui::SameLine(0, 0);
    ImGui::BeginChild("##live", ImVec2(0, avail.y), false, ImGuiWindowFlags_NoScrollbar);
    avail = ImGui::GetContentRegionAvail();
  }
  if (mode_ == LayoutMode::Debug)
    draw_debug(snapshot, commands, avail.x, avail.y);
  else
    draw_normal(snapshot, commands, avail.x, avail.y);
  if (learn) ImGui::EndChild();
  ImGui::End();

  if (slots_.status->open) {
    ImGui::SetNextWindowPos(
        ImVec2(viewport->WorkPos.x, viewport->WorkPos.y + viewport->WorkSize.y - status_height));
    ImGui::SetNextWindowSize(ImVec2(viewport->WorkSize.x, status_height));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(8, 1));
    ImGui::PushStyleColor(ImGuiCol_WindowBg, ImGui::GetStyleColorVec4(ImGuiCol_MenuBarBg));
    ImGui::Begin("##status", nullptr, fixed | ImGuiWindowFlags_NoScrollbar);
    ImGui::SetCursorPosY(ImGui::GetCursorPosY() + 1);
    slots_.status->draw(snapshot, commands);
    ImGui::End();
    ImGui::PopStyleColor();
    ImGui::PopStyleVar();
  }
}

void Layout::draw_normal(const Snapshot& snapshot, Commands& commands, float width, float height) {
  // Left and right keep their fractions of the window; the centre (or, without it, the last
  // column shown) takes the rest.
  enum { kLeft, kCentre, kRight };
  const std::array<bool, 3> shown = {slots_.filter->open || slots_.request->open,
                                     slots_.result->open || slots_.timeline->open,
                                     slots_.inspector->open};
  std::array<float*, 3> fractions = {&left_fraction_, nullptr, &right_fraction_};
  int flexible = shown[kCentre] ? kCentre : shown[kRight] ? kRight : kLeft;
  int count = static_cast<int>(std::count(shown.begin(), shown.end(), true));
  if (count == 0) {
    ImGui::TextDisabled("Every panel is closed: use the View menu, or Reset layout.");
    return;
  }
  const float min_width = ImGui::GetFontSize() * 14;
  std::array<float, 3> widths{};
  float fixed = 0;
  for (int i = 0; i < 3; ++i) {
    if (!shown[i] || i == flexible || !fractions[i]) continue;
    widths[i] = std::clamp(*fractions[i] * width, min_width, std::max(min_width, width * 0.6f));
    fixed += widths[i];
  }
  widths[flexible] =
      std::max(min_width, width - fixed - widgets::kSplitter * static_cast<float>(count - 1));

  int previous = -1;
  for (int i = 0; i < 3; ++i) {
    if (!shown[i]) continue;
    if (previous >= 0) {
      ImGui::SameLine(0, 0);
      // The bar resizes the fixed column beside it: the one before it, else the one after.
      const bool before = previous != flexible;
      const int resized = before ? previous : i;
      float pair = widths[previous] + widths[i] + widgets::kSplitter;
      float split = widths[previous];
      char id[32];
      std::snprintf(id, sizeof(id), "##columns-%d", i);
      if (widgets::splitter(id, true, widgets::kSplitter, height, &split, pair, min_width)) {
        widths[resized] = before ? split : pair - split - widgets::kSplitter;
        if (fractions[resized]) *fractions[resized] = widths[resized] / width;
        ImGui::MarkIniSettingsDirty();
      }
      ImGui::SameLine(0, 0);
    }
    const bool last = i == kRight || (i == kCentre && !shown[kRight]) || (i == kLeft && count == 1);
    const float column = last ? 0.0f : widths[i];
    switch (i) {
      case kLeft:
        draw_column("##left", slots_.filter, slots_.request, &left_top_, column, height, snapshot,
                    commands);
        break;
      case kCentre:
        draw_column("##centre", slots_.result, slots_.timeline, &centre_top_, column, height,
                    snapshot, commands);
        break;
      default:
        ImGui::BeginChild("##right", ImVec2(0, height), false, ImGuiWindowFlags_NoScrollbar);
        draw_frame(slots_.inspector, 0.0f, snapshot, commands);
        ImGui::EndChild();
        break;
    }
    previous = i;
  }
}

void Layout::draw_debug(const Snapshot& snapshot, Commands& commands, float width, float height) {
  // The debug view takes the left and centre columns; the inspector has a width of its own here.
  const float min_width = ImGui::GetFontSize() * 14;
  if (!slots_.inspector->open) {
    draw_frame(slots_.debug, height, snapshot, commands);
    return;
  }
  float right = std::clamp(debug_right_ * width, min_width, std::max(min_width, width * 0.6f));
  float split = width - right - widgets::kSplitter;
  ImGui::BeginChild("##debug-centre", ImVec2(split, height), false, ImGuiWindowFlags_NoScrollbar);
  draw_frame(slots_.debug, 0.0f, snapshot, commands);
  ImGui::EndChild();
  ImGui::SameLine(0, 0);
  if (widgets::splitter("##debug-columns", true, widgets::kSplitter, height, &split, width,
                        min_width)) {
    debug_right_ = (width - split - widgets::kSplitter) / width;
    ImGui::MarkIniSettingsDirty();
  }
  ImGui::SameLine(0, 0);
  ImGui::BeginChild("##right", ImVec2(0, height), false, ImGuiWindowFlags_NoScrollbar);
  draw_frame(slots_.inspector, 0.0f, snapshot, commands);
  ImGui::EndChild();
}

void Layout::draw_column(const char* id, Panel* top, Panel* bottom, float* top_fraction,
                         float width, float height, const Snapshot& snapshot, Commands& commands) {
  if (!ImGui::BeginChild(id, ImVec2(width, height), false, ImGuiWindowFlags_NoScrollbar)) {
    ImGui::EndChild();
    return;
  }
  if (top->open && bottom->open) {
    float usable = height - widgets::kSplitter;
    float top_height = *top_fraction * usable;
    float min_height = ImGui::GetFrameHeightWithSpacing() * 3;
    top_height = std::clamp(top_height, min_height, std::max(min_height, usable - min_height));
    draw_frame(top, top_height, snapshot, commands);
    ImGui::SetCursorPosY(ImGui::GetCursorPosY() - ImGui::GetStyle().ItemSpacing.y);
    if (widgets::splitter("##rows", false, widgets::kSplitter, ImGui::GetContentRegionAvail().x,
                          &top_height, height, min_height)) {
      *top_fraction = top_height / usable;
      ImGui::MarkIniSettingsDirty();
    }
    ImGui::SetCursorPosY(ImGui::GetCursorPosY() - ImGui::GetStyle().ItemSpacing.y);
    draw_frame(bottom, 0.0f, snapshot, commands);
  } else {
    draw_frame(top->open ? top : bottom, 0.0f, snapshot, commands);
  }
  ImGui::EndChild();
}

void Layout::draw_frame(Panel* panel, float height, const Snapshot& snapshot, Commands& commands) {
  // A bordered child whose menu bar serves as the panel's title strip.
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(8, 6));
  bool visible =
      ImGui::BeginChild(panel->name().c_str(), ImVec2(0, height), true, ImGuiWindowFlags_MenuBar);
  ImGui::PopStyleVar();
  if (visible) {
    if (ImGui::BeginMenuBar()) {
      ImGui::TextUnformatted(panel->title().c_str());
      ImGui::EndMenuBar();
    }
    panel->draw(snapshot, commands);
  }
  ImGui::EndChild();
}

}  // namespace pwplay::gui
