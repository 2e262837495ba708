// What the window shows, as data the automation log reports and the view commands change: the
// inspector's tabs, the layout mode (normal, or debug while a stream is paused), the theme, the
// font scale, and the memory view's cursor. The view fills it each frame; nothing here draws.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/result.h"
#include "app/gui/core/command_table.h"

namespace pwplay::gui {

// The inspector's tabs, in the order of their headers and of Ctrl+Alt+1..6.
enum class InspectorTab : uint8_t { Trace, Debugger, Memory, Module, Performance, Logs };
inline constexpr size_t kInspectorTabs = 6;
inline constexpr std::array<InspectorTab, kInspectorTabs> kAllInspectorTabs = {
    InspectorTab::Trace,  InspectorTab::Debugger,    InspectorTab::Memory,
    InspectorTab::Module, InspectorTab::Performance, InspectorTab::Logs};

const char* inspector_tab_title(InspectorTab tab);  // "Trace", as the header shows it
const char* inspector_tab_id(InspectorTab tab);     // "trace", as show-inspector takes it
// Case-insensitive; the error names the accepted names.
Result<InspectorTab> parse_inspector_tab(std::string_view text);

enum class LayoutMode : uint8_t { Normal, Debug };
const char* layout_mode_name(LayoutMode mode);  // "normal", "debug"

enum class Theme : uint8_t { Dark, Light };
const char* theme_name(Theme theme);  // "dark", "light"
Result<Theme> parse_theme(std::string_view text);

// The user's font scale on top of the monitor's content scale: steps of 10%, within limits so
// that the layout stays usable (docs/reliability.md, "Limits").
inline constexpr float kMinFontScale = 0.6f;
inline constexpr float kMaxFontScale = 2.0f;
inline constexpr float kFontScaleStep = 0.1f;
float clamp_font_scale(float scale);

// Where a tab's header was drawn, in window pixels (for tests that click it with real input).
struct TabHeader {
  InspectorTab tab = InspectorTab::Trace;
  float x = 0, y = 0, width = 0, height = 0;
};

struct UiState {
  std::optional<InspectorTab> inspector_tab;  // the tab drawn last frame (none before the first)
  std::vector<TabHeader> inspector_headers;   // the headers drawn last frame, left to right
  LayoutMode layout = LayoutMode::Normal;
  Theme theme = Theme::Dark;
  float font_scale = 1.0f;
  std::optional<uint32_t> memory_cursor;  // the memory view's cursor address, when it has one
};

// {"inspector_tab": "Trace", "layout": "normal", "memory_cursor": null, "theme": "dark",
//  "font_scale": 1.0, "inspector_headers": [{"tab": "Trace", "x", "y", "width", "height"}]}.
nlohmann::json ui_state_json(const UiState& state);
// The same with the fields of `more` (an object: what the window adds, e.g. the memory view's)
// set over it: the automation log's "ui" and the state a lesson's check reads.
nlohmann::json ui_state_json(const UiState& state, const nlohmann::json& more);

// What the view commands act on (the app's window, or a test's stand-in).
struct ViewCommandHost {
  // Brings a tab to the front; an error when this build has no such tab yet.
  std::function<Result<void>(InspectorTab)> show_inspector;
  std::function<void()> toggle_debug_layout;
  std::function<void(Theme)> set_theme;
  std::function<void(float)> set_font_scale;
  std::function<const UiState&()> state;
};

// show-inspector (TAB), show-inspector-<tab> for each tab but Performance (whose show-performance
// exists, Ctrl+Alt+5) with Ctrl+Alt+1..6, toggle-debug-layout, set-theme (dark|light),
// font-bigger (Ctrl+=), font-smaller (Ctrl+-), font-reset (Ctrl+0).
void register_layout_commands(Commands& commands, ViewCommandHost host);

}  // namespace pwplay::gui
