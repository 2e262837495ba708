#include "app/gui/layout.h"

#include <imgui.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "app/gui/widgets.h"

namespace pwplay::gui {
namespace {

constexpr float kSplitter = 6.0f;

void* ini_open(ImGuiContext*, ImGuiSettingsHandler* handler, const char* name) {
  return std::strcmp(name, "Layout") == 0 ? handler->UserData : nullptr;
}

}  // namespace

Layout::Layout(Slots slots) : slots_(slots) {}

std::vector<Panel*> Layout::panels() const {
  return {slots_.left_top, slots_.left_bottom, slots_.right_top, slots_.right_bottom,
          slots_.status};
}

void Layout::reset() {
  left_fraction_ = kLeftFraction;
  left_top_ = kLeftTop;
  right_top_ = kRightTop;
  for (Panel* panel : panels()) panel->open = true;
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
    if (std::sscanf(line, "LeftWidth=%f", &value) == 1)
      self->left_fraction_ = std::clamp(value, 0.1f, 0.9f);
    if (std::sscanf(line, "LeftSplit=%f", &value) == 1)
      self->left_top_ = std::clamp(value, 0.05f, 0.95f);
    if (std::sscanf(line, "RightSplit=%f", &value) == 1)
      self->right_top_ = std::clamp(value, 0.05f, 0.95f);
    if (std::sscanf(line, "Open.%63[^=]=%d", name, &flag) == 2) {
      for (Panel* panel : self->panels())
        if (panel->name() == name) panel->open = flag != 0;
    }
  };
  handler.WriteAllFn = [](ImGuiContext*, ImGuiSettingsHandler* h, ImGuiTextBuffer* out) {
    auto* self = static_cast<Layout*>(h->UserData);
    out->appendf("[%s][Layout]\n", h->TypeName);
    out->appendf("LeftWidth=%.4f\nLeftSplit=%.4f\nRightSplit=%.4f\n", self->left_fraction_,
                 self->left_top_, self->right_top_);
    for (Panel* panel : self->panels())
      out->appendf("Open.%s=%d\n", panel->name().c_str(), panel->open ? 1 : 0);
    out->append("\n");
  };
  ImGui::GetCurrentContext()->SettingsHandlers.push_back(handler);
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
  bool left = slots_.left_top->open || slots_.left_bottom->open;
  bool right = slots_.right_top->open || slots_.right_bottom->open;
  if (left && right) {
    float min_width = ImGui::GetFontSize() * 16;
    float left_width = std::clamp(left_fraction_ * avail.x, min_width,
                                  std::max(min_width, avail.x - min_width - kSplitter));
    draw_column("##left", slots_.left_top, slots_.left_bottom, &left_top_, left_width, avail.y,
                snapshot, commands);
    ImGui::SameLine(0, 0);
    if (widgets::splitter("##columns", true, kSplitter, avail.y, &left_width, avail.x, min_width)) {
      left_fraction_ = left_width / avail.x;
      ImGui::MarkIniSettingsDirty();
    }
    ImGui::SameLine(0, 0);
    draw_column("##right", slots_.right_top, slots_.right_bottom, &right_top_, 0.0f, avail.y,
                snapshot, commands);
  } else if (left) {
    draw_column("##left", slots_.left_top, slots_.left_bottom, &left_top_, 0.0f, avail.y, snapshot,
                commands);
  } else if (right) {
    draw_column("##right", slots_.right_top, slots_.right_bottom, &right_top_, 0.0f, avail.y,
                snapshot, commands);
  } else {
    ImGui::TextDisabled("Every panel is closed: use the View menu, or Reset layout.");
  }
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

void Layout::draw_column(const char* id, Panel* top, Panel* bottom, float* top_fraction,
                         float width, float height, const Snapshot& snapshot, Commands& commands) {
  if (!ImGui::BeginChild(id, ImVec2(width, height), false, ImGuiWindowFlags_NoScrollbar)) {
    ImGui::EndChild();
    return;
  }
  if (top->open && bottom->open) {
    float usable = height - kSplitter;
    float top_height = *top_fraction * usable;
    float min_height = ImGui::GetFrameHeightWithSpacing() * 3;
    top_height = std::clamp(top_height, min_height, std::max(min_height, usable - min_height));
    draw_frame(top, top_height, snapshot, commands);
    ImGui::SetCursorPosY(ImGui::GetCursorPosY() - ImGui::GetStyle().ItemSpacing.y);
    if (widgets::splitter("##rows", false, kSplitter, ImGui::GetContentRegionAvail().x, &top_height,
                          height, min_height)) {
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
      ImGui::TextUnformatted(panel->name().c_str());
      ImGui::EndMenuBar();
    }
    panel->draw(snapshot, commands);
  }
  ImGui::EndChild();
}

}  // namespace pwplay::gui
