#include "app/gui/style.h"

#include <filesystem>

namespace pwplay::gui::style {
namespace {

constexpr const char* kSansPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr const char* kMonoPath = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
constexpr float kSansSize = 15.0f;
constexpr float kMonoSize = 14.0f;

ImFont* g_mono = nullptr;
bool g_system_fonts = false;

ImFont* add_font(const char* path, float size) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return nullptr;
  ImFontConfig config;
  config.OversampleH = 2;
  config.OversampleV = 1;
  return ImGui::GetIO().Fonts->AddFontFromFileTTF(path, size, &config);
}

void apply_theme(float scale) {
  ImGui::StyleColorsDark();
  ImGuiStyle& s = ImGui::GetStyle();
  s.WindowRounding = 0.0f;
  s.ChildRounding = 2.0f;
  s.FrameRounding = 3.0f;
  s.PopupRounding = 3.0f;
  s.TabRounding = 3.0f;
  s.GrabRounding = 3.0f;
  s.ScrollbarRounding = 3.0f;
  s.WindowPadding = ImVec2(8, 8);
  s.FramePadding = ImVec2(6, 4);
  s.ItemSpacing = ImVec2(8, 5);
  s.CellPadding = ImVec2(6, 2);
  s.WindowBorderSize = 0.0f;
  s.ChildBorderSize = 1.0f;
  ImVec4* c = s.Colors;
  c[ImGuiCol_WindowBg] = ImVec4(0.11f, 0.12f, 0.14f, 1.0f);
  c[ImGuiCol_ChildBg] = ImVec4(0.13f, 0.14f, 0.16f, 1.0f);
  c[ImGuiCol_PopupBg] = ImVec4(0.14f, 0.15f, 0.18f, 0.98f);
  c[ImGuiCol_Border] = ImVec4(0.25f, 0.27f, 0.31f, 1.0f);
  c[ImGuiCol_FrameBg] = ImVec4(0.19f, 0.21f, 0.24f, 1.0f);
  c[ImGuiCol_FrameBgHovered] = ImVec4(0.24f, 0.27f, 0.31f, 1.0f);
  c[ImGuiCol_FrameBgActive] = ImVec4(0.27f, 0.31f, 0.36f, 1.0f);
  c[ImGuiCol_MenuBarBg] = ImVec4(0.09f, 0.10f, 0.12f, 1.0f);
  c[ImGuiCol_Header] = ImVec4(0.22f, 0.36f, 0.55f, 0.65f);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.26f, 0.42f, 0.64f, 0.80f);
  c[ImGuiCol_HeaderActive] = ImVec4(0.28f, 0.46f, 0.70f, 1.0f);
  c[ImGuiCol_Button] = ImVec4(0.22f, 0.36f, 0.55f, 0.80f);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.27f, 0.44f, 0.66f, 1.0f);
  c[ImGuiCol_ButtonActive] = ImVec4(0.30f, 0.49f, 0.74f, 1.0f);
  c[ImGuiCol_Tab] = ImVec4(0.17f, 0.19f, 0.22f, 1.0f);
  c[ImGuiCol_TabHovered] = ImVec4(0.27f, 0.44f, 0.66f, 1.0f);
  c[ImGuiCol_TabActive] = ImVec4(0.22f, 0.36f, 0.55f, 1.0f);
  c[ImGuiCol_TableHeaderBg] = ImVec4(0.17f, 0.19f, 0.22f, 1.0f);
  c[ImGuiCol_TableRowBgAlt] = ImVec4(1.0f, 1.0f, 1.0f, 0.025f);
  c[ImGuiCol_Separator] = c[ImGuiCol_Border];
  s.ScaleAllSizes(scale);
}

}  // namespace

void setup(float scale) {
  if (scale <= 0.0f) scale = 1.0f;
  ImGuiIO& io = ImGui::GetIO();
  ImFont* sans = add_font(kSansPath, kSansSize * scale);
  g_mono = sans ? add_font(kMonoPath, kMonoSize * scale) : nullptr;
  g_system_fonts = sans != nullptr;
  if (!sans) {
    ImFontConfig config;
    config.SizePixels = 13.0f * scale;
    io.Fonts->AddFontDefault(&config);
  }
  if (!g_mono) g_mono = io.Fonts->Fonts[0];
  apply_theme(scale);
}

ImFont* mono() {
  return g_mono;
}
bool using_system_fonts() {
  return g_system_fonts;
}

ImVec4 added() {
  return ImVec4(0.40f, 0.85f, 0.45f, 1.0f);
}
ImVec4 changed() {
  return ImVec4(0.95f, 0.80f, 0.30f, 1.0f);
}
ImVec4 removed() {
  return ImVec4(0.95f, 0.42f, 0.42f, 1.0f);
}
ImVec4 error() {
  return ImVec4(1.00f, 0.40f, 0.40f, 1.0f);
}
ImVec4 warning() {
  return ImVec4(0.95f, 0.75f, 0.30f, 1.0f);
}
ImVec4 muted() {
  return ImVec4(0.58f, 0.61f, 0.66f, 1.0f);
}
ImVec4 accent() {
  return ImVec4(0.45f, 0.70f, 1.00f, 1.0f);
}

ImU32 tint(const ImVec4& color, float alpha) {
  return ImGui::GetColorU32(ImVec4(color.x, color.y, color.z, alpha));
}

}  // namespace pwplay::gui::style
