#include "app/gui/core/ui_state.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace pwplay::gui {
namespace {

bool same_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string accepted_tabs() {
  std::string names;
  for (InspectorTab tab : kAllInspectorTabs) {
    if (!names.empty()) names += tab == InspectorTab::Logs ? " or " : ", ";
    names += inspector_tab_id(tab);
  }
  return names;
}

}  // namespace

const char* inspector_tab_title(InspectorTab tab) {
  switch (tab) {
    case InspectorTab::Trace:
      return "Trace";
    case InspectorTab::Debugger:
      return "Debugger";
    case InspectorTab::Memory:
      return "Memory";
    case InspectorTab::Module:
      return "Module";
    case InspectorTab::Performance:
      return "Performance";
    case InspectorTab::Logs:
      return "Logs";
  }
  return "Trace";
}

const char* inspector_tab_id(InspectorTab tab) {
  switch (tab) {
    case InspectorTab::Trace:
      return "trace";
    case InspectorTab::Debugger:
      return "debugger";
    case InspectorTab::Memory:
      return "memory";
    case InspectorTab::Module:
      return "module";
    case InspectorTab::Performance:
      return "performance";
    case InspectorTab::Logs:
      return "logs";
  }
  return "trace";
}

Result<InspectorTab> parse_inspector_tab(std::string_view text) {
  for (InspectorTab tab : kAllInspectorTabs)
    if (same_ignoring_case(text, inspector_tab_id(tab))) return tab;
  return make_error("show-inspector: expected " + accepted_tabs() + ", got '" + std::string(text) +
                    "'");
}

const char* layout_mode_name(LayoutMode mode) {
  return mode == LayoutMode::Debug ? "debug" : "normal";
}

const char* theme_name(Theme theme) {
  return theme == Theme::Light ? "light" : "dark";
}

Result<Theme> parse_theme(std::string_view text) {
  if (same_ignoring_case(text, "dark")) return Theme::Dark;
  if (same_ignoring_case(text, "light")) return Theme::Light;
  return make_error("set-theme: expected dark or light, got '" + std::string(text) + "'");
}

float clamp_font_scale(float scale) {
  // Whole steps, so that bigger then smaller comes back to the same size.
  float steps = std::round(scale / kFontScaleStep);
  return std::clamp(steps * kFontScaleStep, kMinFontScale, kMaxFontScale);
}

nlohmann::json ui_state_json(const UiState& state) {
  nlohmann::json out;
  out["inspector_tab"] = state.inspector_tab
                             ? nlohmann::json(inspector_tab_title(*state.inspector_tab))
                             : nlohmann::json(nullptr);
  out["layout"] = layout_mode_name(state.layout);
  out["memory_cursor"] =
      state.memory_cursor ? nlohmann::json(*state.memory_cursor) : nlohmann::json(nullptr);
  out["theme"] = theme_name(state.theme);
  out["font_scale"] = std::round(state.font_scale * 100.0f) / 100.0f;
  nlohmann::json headers = nlohmann::json::array();
  for (const TabHeader& header : state.inspector_headers)
    headers.push_back({{"tab", inspector_tab_title(header.tab)},
                       {"x", std::round(header.x)},
                       {"y", std::round(header.y)},
                       {"width", std::round(header.width)},
                       {"height", std::round(header.height)}});
  out["inspector_headers"] = std::move(headers);
  return out;
}

nlohmann::json ui_state_json(const UiState& state, const nlohmann::json& more) {
  nlohmann::json out = ui_state_json(state);
  for (const auto& [key, value] : more.items()) out[key] = value;
  return out;
}

void register_layout_commands(Commands& commands, ViewCommandHost host) {
  auto show = host.show_inspector;
  commands.add({"show-inspector",
                "Show an inspector tab",
                "",
                {},
                "trace, debugger, memory, module, performance or logs",
                true,
                [show](std::string_view arg) -> Result<void> {
                  auto tab = parse_inspector_tab(arg);
                  if (!tab) return unexpected(tab.error());
                  return show(*tab);
                }});
  int number = 0;
  for (InspectorTab tab : kAllInspectorTabs) {
    ++number;
    // show-performance (Ctrl+Alt+5) already exists and keeps its id.
    if (tab == InspectorTab::Performance) continue;
    std::string keys = "Ctrl+Alt+" + std::to_string(number);
    commands.add({std::string("show-inspector-") + inspector_tab_id(tab),
                  std::string(inspector_tab_title(tab)) + " tab", "View", *parse_shortcut(keys), "",
                  false, [show, tab](std::string_view) -> Result<void> { return show(tab); }});
  }
  auto toggle = host.toggle_debug_layout;
  auto state = host.state;
  Command debug_layout{"toggle-debug-layout",
                       "Debug layout",
                       "View",
                       {},
                       "",
                       false,
                       [toggle](std::string_view) -> Result<void> {
                         toggle();
                         return {};
                       }};
  debug_layout.checked = [state] { return state().layout == LayoutMode::Debug; };
  commands.add(std::move(debug_layout));
  auto set_theme = host.set_theme;
  commands.add({"set-theme",
                "Set theme",
                "",
                {},
                "dark or light",
                true,
                [set_theme](std::string_view arg) -> Result<void> {
                  auto theme = parse_theme(arg);
                  if (!theme) return unexpected(theme.error());
                  set_theme(*theme);
                  return {};
                }});
  for (Theme theme : {Theme::Dark, Theme::Light}) {
    std::string id = std::string("theme-") + theme_name(theme);
    Command command{id,
                    theme == Theme::Dark ? "Dark theme" : "Light theme",
                    "View",
                    {},
                    "",
                    false,
                    [set_theme, theme](std::string_view) -> Result<void> {
                      set_theme(theme);
                      return {};
                    }};
    command.checked = [state, theme] { return state().theme == theme; };
    commands.add(std::move(command));
  }
  auto scale = host.set_font_scale;
  auto step = [scale, state](float delta) {
    return [scale, state, delta](std::string_view) -> Result<void> {
      scale(clamp_font_scale(delta == 0.0f ? 1.0f : state().font_scale + delta));
      return {};
    };
  };
  commands.add({"font-bigger", "Bigger text", "View", *parse_shortcut("Ctrl+="), "", false,
                step(kFontScaleStep)});
  commands.add({"font-smaller", "Smaller text", "View", *parse_shortcut("Ctrl+-"), "", false,
                step(-kFontScaleStep)});
  commands.add(
      {"font-reset", "Reset text size", "View", *parse_shortcut("Ctrl+0"), "", false, step(0.0f)});
}

}  // namespace pwplay::gui
