// The desktop app's command table: every action the menus, shortcuts, the palette and the
// automation mode can run, in one place.
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include <imgui.h>
#include <nlohmann/json.hpp>

#include "app/gui/core/chain_model.h"
#include "app/gui/core/debug_commands.h"
#include "app/gui/core/file_actions.h"
#include "app/gui/core/memory_commands.h"
#include "app/gui/core/perf_commands.h"
#include "app/gui/core/request_composer.h"
#include "app/gui/gui_app.h"
#include "debugger/formats/scenario.h"

namespace pwplay::gui {
namespace {

Shortcut keys_of(const char* text) {
  auto shortcut = parse_shortcut(text);
  return shortcut ? *shortcut : Shortcut{};
}

Result<bool> parse_bool(std::string_view text) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "0" || text == "no" || text == "off") return false;
  return make_error("expected true or false, got '" + std::string(text) + "'");
}

// Shows a command's outcome under the Request panel's file field.
void report_request(Workspace& ws, const Result<void>& result, std::string ok_message) {
  ws.request_message_is_error = !result;
  ws.request_message = result ? std::move(ok_message) : result.error().message;
}

}  // namespace

void GuiApp::register_commands() {
  // First, so that Open filter and Samples lead the File menu.
  register_firstrun_commands();
  register_file_commands();
  register_run_commands();
  register_debug_commands();
  register_view_commands();
  register_memory_commands(
      commands_, memory_view_, session_, workspace_,
      {[this] { (void)inspector_.show(InspectorTab::Memory); },
       [](const std::string& text) { ImGui::SetClipboardText(text.c_str()); }});
  register_help_commands();
  register_scripting_commands();
  register_module_commands(commands_, module_model_, session_,
                           [this] { (void)inspector_.show(InspectorTab::Module); });
  register_chain_commands(commands_, workspace_);
  register_lessons();
}

void GuiApp::register_file_commands() {
  Workspace& ws = workspace_;
  // File.
  commands_.add({"open-request", "Open request file", "File", keys_of("Ctrl+O"),
                 "REQ.json path (default: a file browser opens)", false,
                 [&ws](std::string_view arg) -> Result<void> {
                   if (arg.empty()) {
                     ask_for_file(ws, FileDialog::Kind::OpenRequest, ws.request_path);
                     return {};
                   }
                   std::string path(arg);
                   auto result = ws.open_request(path);
                   report_request(ws, result, "opened " + path);
                   return result;
                 }});
  commands_.add({"save-request", "Save request file", "File", keys_of("Ctrl+S"),
                 "path (default: the Request panel's file field)", false,
                 [&ws](std::string_view arg) -> Result<void> {
                   std::string path = arg.empty() ? ws.request_path : std::string(arg);
                   auto result = ws.save_request(path);
                   report_request(ws, result, "saved " + path);
                   return result;
                 }});
  commands_.add({"new-request", "New request", "File", keys_of("Ctrl+N"), "", false,
                 [&ws](std::string_view) -> Result<void> {
                   ws.new_request();
                   ws.request_message.clear();
                   return {};
                 }});
  // Without an argument: the keyboard goes to the composer's curl field (type, then Enter).
  commands_.add({"compose-from-curl",
                 "Type a curl command",
                 "File",
                 {},
                 "curl ... (fills the composer; none: focus the composer's curl field)",
                 false,
                 [this](std::string_view arg) -> Result<void> {
                   request_panel_.open = true;
                   if (!arg.empty()) return commands_.run("paste-curl", CommandSource::Button, arg);
                   request_panel_.focus_curl();
                   return {};
                 }});
  // Curl lines, HAR files and project files (app/gui/core/file_actions.h), through ImGui's
  // clipboard (the window system's).
  FileCommandHost host;
  host.get_clipboard = [] {
    const char* text = ImGui::GetClipboardText();
    return std::string(text ? text : "");
  };
  host.set_clipboard = [](const std::string& text) { ImGui::SetClipboardText(text.c_str()); };
  register_file_action_commands(commands_, workspace_, session_, std::move(host));
  commands_.add({"screenshot", "Save screenshot", "File", keys_of("F12"),
                 "PNG path (default: pwplay-screenshot-N.png in the current directory)", false,
                 [this](std::string_view arg) -> Result<void> {
                   std::string path(arg);
                   for (int n = 1; path.empty(); ++n) {
                     std::string candidate = "pwplay-screenshot-" + std::to_string(n) + ".png";
                     std::error_code ec;
                     if (!std::filesystem::exists(candidate, ec)) path = candidate;
                   }
                   pending_screenshot_ = path;
                   return {};
                 }});
  commands_.add({"quit", "Quit", "File", keys_of("Ctrl+Q"), "", false,
                 [this](std::string_view) -> Result<void> {
                   quit_ = true;
                   if (automation_) automation_->stop();  // a script's later steps do not run
                   return {};
                 }});
}

void GuiApp::register_run_commands() {
  Workspace& ws = workspace_;
  // Run.
  commands_.add({"load", "Load filter", "Run", keys_of("Ctrl+L"),
                 ".wasm path (default: the Filter panel's module field)", false,
                 [this](std::string_view arg) -> Result<void> {
                   if (!arg.empty()) workspace_.filter.wasm_path = std::string(arg);
                   return load_filter(session_, workspace_);
                 }});
  commands_.add({"send", "Send request", "Run", keys_of("Ctrl+Enter"), "", false,
                 [this](std::string_view) -> Result<void> {
                   if (workspace_.filter.wasm_path.empty()) {
                     Result<void> error = make_error("no filter: load a .wasm file first");
                     report_request(workspace_, error, {});
                     return error;
                   }
                   auto request = workspace_.build_request();
                   if (!request) {
                     Result<void> error = unexpected(request.error());
                     report_request(workspace_, error, {});
                     return error;
                   }
                   // Through the session like Debug request, but breakpoints do not stop it.
                   auto sent = send_request(session_, workspace_, std::move(*request),
                                            debugger::Pausing::Off);
                   if (!sent) {
                     Result<void> error = unexpected(sent.error());
                     report_request(workspace_, error, {});
                     return error;
                   }
                   workspace_.request_message.clear();
                   return {};
                 }});
  commands_.add({"add-header",
                 "Add request header",
                 "Run",
                 {},
                 "NAME:VALUE (default: an empty row)",
                 false,
                 [&ws](std::string_view arg) -> Result<void> {
                   HeaderRow row;
                   if (!arg.empty()) {
                     size_t colon = arg.find(':');
                     if (colon == std::string_view::npos || colon == 0)
                       return make_error("expected NAME:VALUE, got '" + std::string(arg) + "'");
                     row.name = std::string(arg.substr(0, colon));
                     std::string_view value = arg.substr(colon + 1);
                     while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
                     row.value = std::string(value);
                   }
                   ws.request.headers.push_back(std::move(row));
                   return {};
                 }});
  commands_.add({"clear-history",
                 "Clear run history",
                 "Run",
                 {},
                 "",
                 false,
                 [this](std::string_view) -> Result<void> {
                   session_.clear_history();
                   return {};
                 }});

  commands_.add({"compare-runs",
                 "Compare with the previous run",
                 "Run",
                 {},
                 "'A B' (run ids), or 'A' against the run before it (default: the selected run)",
                 false,
                 [this](std::string_view arg) -> Result<void> {
                   auto snapshot = session_.snapshot();
                   workspace_.observe(*snapshot);  // a run that just arrived is selected now
                   const debugger::HistoryEntry* selected = workspace_.selected_run(*snapshot);
                   auto comparison =
                       compare_runs_command(*snapshot, selected ? selected->id : 0, arg);
                   if (!comparison) return unexpected(comparison.error());
                   comparison_ = std::move(*comparison);
                   show_comparison_ = true;
                   return {};
                 }});
  commands_.add({"save-scenario",
                 "Save run as scenario",
                 "Run",
                 {},
                 "scenario file (default scenarios.json): the selected run and what it did",
                 false,
                 [this](std::string_view arg) -> Result<void> {
                   auto snapshot = session_.snapshot();
                   const debugger::HistoryEntry* run = workspace_.selected_run(*snapshot);
                   if (!run || !run->ran())
                     return make_error("no run to save: send a request first");
                   auto scenario = debugger::scenario_from_run(
                       run->request, debugger::run_result(*run, snapshot->plugin));
                   if (!scenario) return unexpected(scenario.error());
                   std::string path = arg.empty() ? "scenarios.json" : std::string(arg);
                   auto saved =
                       debugger::append_scenario(path, *scenario, snapshot->plugin.wasm_path);
                   if (!saved) return saved;
                   workspace_.request_message =
                       "saved run #" + std::to_string(run->id) + " in " + path;
                   return {};
                 }});
}

void GuiApp::register_debug_commands() {
  // Debug: the debugger's verbs (debugger/commands.h) as debug-<name> commands, with the Debug
  // menu's labels and keys (app/gui/core/debug_commands.cc); their answers go to the Debugger
  // tab's console.
  DebugFrontEnd front;
  front.session = &session_;
  front.console = &debugger_panel_.console();
  front.context.default_request = [this]() -> Result<debugger::NamedRequest> {
    auto request = workspace_.build_request();
    if (!request) return unexpected(request.error());
    return debugger::NamedRequest{.name = "desktop app", .request = std::move(*request)};
  };
  front.context.prepare = [this](std::string_view verb) -> Result<void> {
    const bool sends = verb == "send" || verb == "replay";
    // A request that is running (or a reload with its replay) is finished first: this one
    // queues behind it. A paused one needs the user.
    if (sends && session_.snapshot()->state == debugger::SessionState::Paused)
      return make_error("the debugger is paused: continue, finish or abort the request first");
    if (auto loaded = ensure_filter(session_, workspace_); !loaded) return loaded;
    if (sends) workspace_.selection.follow_latest = true;
    return {};
  };
  front.selected_run = [this]() -> std::string {
    auto snapshot = session_.snapshot();
    workspace_.observe(*snapshot);  // a run that just arrived is selected now
    const debugger::HistoryEntry* run = workspace_.selected_run(*snapshot);
    return run ? std::to_string(run->id) : std::string();
  };
  front.show = [this] { (void)inspector_.show(InspectorTab::Debugger); };
  // Leaving the debugger lets a paused request run to its end, as in pwplay debug; the app stays
  // open (File > Quit closes it).
  front.quit = [this] { (void)session_.resume(debugger::ResumeMode::Finish); };
  add_debug_commands(commands_, std::move(front));

  // App commands around the debugger that are not verbs of pwplay debug.
  commands_.add({"debug-toggle-breakpoint",
                 "Enable or disable a breakpoint",
                 "Debug",
                 {},
                 "breakpoint number",
                 true,
                 [this](std::string_view arg) -> Result<void> {
                   auto id = debugger::parse_breakpoint_id(arg);
                   if (!id) return unexpected(id.error());
                   for (const auto& breakpoint : session_.breakpoints())
                     if (breakpoint.id == *id) {
                       session_.enable_breakpoint(*id, !breakpoint.enabled);
                       return {};
                     }
                   return make_error("no breakpoint " + std::to_string(*id));
                 }});
  commands_.add({"debug-listen",
                 "Start the debugger's proxy",
                 "Debug",
                 {},
                 "[HOST:]PORT (default 127.0.0.1:8080): requests from curl stop at the breakpoints",
                 false,
                 [this](std::string_view arg) -> Result<void> {
                   (void)inspector_.show(InspectorTab::Debugger);
                   return debug_listen(arg);
                 }});
  commands_.add({"debug-stop-proxy",
                 "Stop the debugger's proxy",
                 "Debug",
                 {},
                 "",
                 false,
                 [this](std::string_view) -> Result<void> {
                   session_.stop_proxy();
                   return {};
                 }});
}

void GuiApp::register_view_commands() {
  // View.
  int tab_index = 0;
  for (const char* tab : {"upstream", "response", "logs"}) {
    static const char* const labels[] = {"Show upstream request", "Show response", "Show logs"};
    std::string keys = "Ctrl+" + std::to_string(tab_index + 1);
    commands_.add({std::string("show-") + tab, labels[tab_index], "View", keys_of(keys.c_str()), "",
                   false, [this, tab_index](std::string_view) -> Result<void> {
                     result_panel_.open = true;
                     workspace_.selection.result_tab = tab_index;
                     return {};
                   }});
    ++tab_index;
  }
  for (Panel* panel : layout_.panels()) {
    std::string id = "toggle-";
    for (char c : panel->name()) id += c == ' ' ? '-' : static_cast<char>(std::tolower(c));
    if (id.find("bar") == std::string::npos) id += "-panel";
    Command command{id,
                    panel->name() + (id.ends_with("-panel") ? " panel" : ""),
                    "View",
                    {},
                    "",
                    false,
                    [panel](std::string_view) -> Result<void> {
                      panel->open = !panel->open;
                      return {};
                    }};
    command.checked = [panel] { return panel->open; };
    commands_.add(std::move(command));
  }
  commands_.add({"reset-layout",
                 "Reset layout",
                 "View",
                 {},
                 "",
                 false,
                 [this](std::string_view) -> Result<void> {
                   layout_.reset();
                   return {};
                 }});
  // The Performance tab and its window, reset and leak check.
  register_perf_commands(commands_, session_, workspace_,
                         [this] { (void)inspector_.show(InspectorTab::Performance); });
  // The inspector's tabs, the debug layout, the theme and the font size.
  ViewCommandHost view;
  view.show_inspector = [this](InspectorTab tab) { return inspector_.show(tab); };
  view.toggle_debug_layout = [this] {
    layout_.set_mode(layout_.mode() == LayoutMode::Debug ? LayoutMode::Normal : LayoutMode::Debug);
  };
  view.set_theme = [this](Theme theme) { layout_.set_theme(theme); };
  view.set_font_scale = [this](float scale) { layout_.set_font_scale(scale); };
  view.state = [this]() -> const UiState& {
    // The commands act between frames: what they asked for shows at once in the menus.
    ui_.layout = layout_.mode();
    ui_.theme = layout_.appearance.theme;
    ui_.font_scale = layout_.appearance.font_scale;
    return ui_;
  };
  register_layout_commands(commands_, std::move(view));
  commands_.add({"command-palette", "Command palette", "View", keys_of("Ctrl+Shift+P"), "", false,
                 [this](std::string_view) -> Result<void> {
                   palette_.show();
                   return {};
                 }});
}

void GuiApp::register_help_commands() {
  // Help.
  commands_.add({"about", "About pwplay", "Help", keys_of("F1"), "", false,
                 [this](std::string_view) -> Result<void> {
                   help_.show_about();
                   return {};
                 }});
}

void GuiApp::register_scripting_commands() {
  Workspace& ws = workspace_;
  // For scripts (they need an argument, so the palette does not list them).
  commands_.add({"set-field",
                 "Set a field",
                 "",
                 {},
                 "FIELD=VALUE; FIELD is filter.path, filter.config, filter.root_id, filter.vm_id, "
                 "filter.engine, "
                 "filter.fail_open, request.method, request.path, request.body, request.file "
                 "or request.upstream (echo or HOST:PORT)",
                 true,
                 [&ws](std::string_view arg) -> Result<void> {
                   size_t eq = arg.find('=');
                   if (eq == std::string_view::npos)
                     return make_error("expected FIELD=VALUE, got '" + std::string(arg) + "'");
                   std::string field(arg.substr(0, eq));
                   std::string value(arg.substr(eq + 1));
                   if (field == "filter.path")
                     ws.filter.wasm_path = value;
                   else if (field == "filter.config")
                     ws.filter.configuration = value;
                   else if (field == "filter.root_id")
                     ws.filter.root_id = value;
                   else if (field == "filter.vm_id")
                     ws.filter.vm_id = value;
                   else if (field == "filter.engine") {
                     if (value != "v8" && value != "wabt" && value != "native")
                       return make_error("filter.engine: expected v8, wabt or native, got '" +
                                         value + "'");
                     ws.filter.engine = value;
                   } else if (field == "filter.fail_open") {
                     auto flag = parse_bool(value);
                     if (!flag) return unexpected(flag.error());
                     ws.filter.fail_open = *flag;
                   } else if (field == "request.method")
                     ws.request.method = value;
                   else if (field == "request.path")
                     ws.request.path = value;
                   else if (field == "request.body")
                     ws.request.body = value;
                   else if (field == "request.file")
                     ws.request_path = value;
                   else if (field == "request.upstream") {
                     if (value == "echo")
                       set_upstream_echo(ws.request);
                     else
                       set_upstream_address(ws.request, value);
                   } else
                     return make_error("unknown field '" + field + "'");
                   return {};
                 }});
  commands_.add({"select-run",
                 "Select run",
                 "",
                 {},
                 "run id (1, 2, ...)",
                 true,
                 [this](std::string_view arg) -> Result<void> {
                   uint64_t id = std::strtoull(std::string(arg).c_str(), nullptr, 10);
                   auto snapshot = session_.snapshot();
                   workspace_.observe(*snapshot);  // take in runs published since the frame began
                   if (!snapshot->find(id))
                     return make_error("no run #" + std::string(arg) + " in the history");
                   workspace_.selection.run_id = id;
                   workspace_.selection.follow_latest = false;
                   workspace_.selection.event_seq.reset();
                   return {};
                 }});
  commands_.add({"select-event",
                 "Select trace event",
                 "",
                 {},
                 "event seq, or a kind (callback, hostcall, copy, log, ...) for its first event",
                 true,
                 [this](std::string_view arg) -> Result<void> {
                   auto snapshot = session_.snapshot();
                   workspace_.observe(*snapshot);  // take in runs published since the frame began
                   const debugger::HistoryEntry* run = workspace_.selected_run(*snapshot);
                   if (!run || !run->ran()) return make_error("no run with a trace to select in");
                   bool by_seq = !arg.empty() && std::isdigit(static_cast<unsigned char>(arg[0]));
                   uint64_t seq = by_seq ? std::strtoull(std::string(arg).c_str(), nullptr, 10) : 0;
                   for (const auto& event : run->trace) {
                     if (by_seq ? event.seq == seq : arg == host::event_kind_name(event.kind)) {
                       workspace_.selection.event_seq = event.seq;
                       (void)inspector_.show(InspectorTab::Trace);
                       return {};
                     }
                   }
                   return make_error("no event '" + std::string(arg) + "' in run #" +
                                     std::to_string(run->id));
                 }});
}

}  // namespace pwplay::gui
