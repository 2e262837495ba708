#include "app/gui/style.h"

#include <filesystem>
#include <iterator>

namespace pwplay::gui::style {
namespace {

constexpr const char* kSansPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr const char* kMonoPath = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
constexpr float kSansSize = 15.0f;
constexpr float kMonoSize = 14.0f;

ImFont* g_mono = nullptr;
bool g_system_fonts = false;
Theme g_theme = Theme::Dark;

ImFont* add_font(const char* path, float size) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return nullptr;
  ImFontConfig config;
  config.OversampleH = 2;
  config.OversampleV = 1;
  return ImGui::GetIO().Fonts->AddFontFromFileTTF(path, size, &config);
}

// Sizes and rounding both themes share.
void apply_metrics(ImGuiStyle& s) {
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
}

void apply_dark(ImGuiStyle& s) {
  ImGui::StyleColorsDark(&s);
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
}

void apply_light(ImGuiStyle& s) {
  ImGui::StyleColorsLight(&s);
  ImVec4* c = s.Colors;
  c[ImGuiCol_Text] = ImVec4(0.10f, 0.11f, 0.13f, 1.0f);
  c[ImGuiCol_WindowBg] = ImVec4(0.93f, 0.94f, 0.95f, 1.0f);
  c[ImGuiCol_ChildBg] = ImVec4(0.98f, 0.98f, 0.99f, 1.0f);
  c[ImGuiCol_PopupBg] = ImVec4(0.99f, 0.99f, 1.00f, 0.98f);
  c[ImGuiCol_Border] = ImVec4(0.74f, 0.76f, 0.80f, 1.0f);
  c[ImGuiCol_FrameBg] = ImVec4(0.89f, 0.90f, 0.92f, 1.0f);
  c[ImGuiCol_FrameBgHovered] = ImVec4(0.84f, 0.87f, 0.91f, 1.0f);
  c[ImGuiCol_FrameBgActive] = ImVec4(0.80f, 0.84f, 0.90f, 1.0f);
  c[ImGuiCol_MenuBarBg] = ImVec4(0.86f, 0.87f, 0.89f, 1.0f);
  c[ImGuiCol_Header] = ImVec4(0.26f, 0.52f, 0.85f, 0.30f);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.26f, 0.52f, 0.85f, 0.45f);
  c[ImGuiCol_HeaderActive] = ImVec4(0.26f, 0.52f, 0.85f, 0.60f);
  c[ImGuiCol_Button] = ImVec4(0.26f, 0.52f, 0.85f, 0.25f);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.26f, 0.52f, 0.85f, 0.45f);
  c[ImGuiCol_ButtonActive] = ImVec4(0.26f, 0.52f, 0.85f, 0.65f);
  c[ImGuiCol_Tab] = ImVec4(0.84f, 0.86f, 0.89f, 1.0f);
  c[ImGuiCol_TabHovered] = ImVec4(0.26f, 0.52f, 0.85f, 0.45f);
  c[ImGuiCol_TabActive] = ImVec4(0.62f, 0.75f, 0.93f, 1.0f);
  c[ImGuiCol_TableHeaderBg] = ImVec4(0.86f, 0.87f, 0.89f, 1.0f);
  c[ImGuiCol_TableRowBgAlt] = ImVec4(0.0f, 0.0f, 0.0f, 0.03f);
  c[ImGuiCol_Separator] = c[ImGuiCol_Border];
}

}  // namespace

void setup(float scale, Theme theme) {
  if (scale <= 0.0f) scale = 1.0f;
  g_theme = theme;
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();  // a second call rebuilds the atlas at the new scale
  ImFont* sans = add_font(kSansPath, kSansSize * scale);
  g_mono = sans ? add_font(kMonoPath, kMonoSize * scale) : nullptr;
  g_system_fonts = sans != nullptr;
  if (!sans) {
    ImFontConfig config;
    config.SizePixels = 13.0f * scale;
    io.Fonts->AddFontDefault(&config);
  }
  if (!g_mono) g_mono = io.Fonts->Fonts[0];
  io.Fonts->Build();
  // From ImGui's defaults each time, so that scaling does not compound.
  ImGuiStyle& style = ImGui::GetStyle();
  style = ImGuiStyle();
  apply_metrics(style);
  if (theme == Theme::Light)
    apply_light(style);
  else
    apply_dark(style);
  style.ScaleAllSizes(scale);
}

ImFont* mono() {
  return g_mono;
}
Theme theme() {
  return g_theme;
}
bool using_system_fonts() {
  return g_system_fonts;
}

ImVec4 filter_color(size_t position) {
  static const ImVec4 kColors[] = {{0.45f, 0.75f, 1.00f, 1.0f}, {1.00f, 0.65f, 0.35f, 1.0f},
                                   {0.70f, 0.55f, 1.00f, 1.0f}, {0.40f, 0.85f, 0.55f, 1.0f},
                                   {1.00f, 0.50f, 0.70f, 1.0f}, {0.85f, 0.85f, 0.40f, 1.0f}};
  return kColors[position % std::size(kColors)];
}
ImVec4 added() {
  return g_theme == Theme::Light ? ImVec4(0.10f, 0.55f, 0.18f, 1.0f)
                                 : ImVec4(0.40f, 0.85f, 0.45f, 1.0f);
}
ImVec4 changed() {
  return g_theme == Theme::Light ? ImVec4(0.70f, 0.48f, 0.00f, 1.0f)
                                 : ImVec4(0.95f, 0.80f, 0.30f, 1.0f);
}
ImVec4 removed() {
  return g_theme == Theme::Light ? ImVec4(0.80f, 0.16f, 0.16f, 1.0f)
                                 : ImVec4(0.95f, 0.42f, 0.42f, 1.0f);
}
ImVec4 error() {
  return g_theme == Theme::Light ? ImVec4(0.82f, 0.12f, 0.12f, 1.0f)
                                 : ImVec4(1.00f, 0.40f, 0.40f, 1.0f);
}
ImVec4 warning() {
  return g_theme == Theme::Light ? ImVec4(0.72f, 0.45f, 0.00f, 1.0f)
                                 : ImVec4(0.95f, 0.75f, 0.30f, 1.0f);
}
ImVec4 muted() {
  return g_theme == Theme::Light ? ImVec4(0.40f, 0.42f, 0.46f, 1.0f)
                                 : ImVec4(0.58f, 0.61f, 0.66f, 1.0f);
}
ImVec4 accent() {
  return g_theme == Theme::Light ? ImVec4(0.10f, 0.38f, 0.78f, 1.0f)
                                 : ImVec4(0.45f, 0.70f, 1.00f, 1.0f);
}

ImU32 tint(const ImVec4& color, float alpha) {
  return ImGui::GetColorU32(ImVec4(color.x, color.y, color.z, alpha));
}

}  // namespace pwplay::gui::style
