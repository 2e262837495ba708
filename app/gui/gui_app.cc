#include "app/gui/gui_app.h"

#include <imgui.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "app/cli/lessons_dir.h"
#include "app/gui/core/command_list.h"
#include "app/gui/core/debugger_log.h"
#include "app/gui/core/frame_times.h"
#include "app/gui/core/memory_commands.h"
#include "app/gui/style.h"
#include "host/proxy/proxy.h"

namespace pwplay::gui {
namespace {

constexpr int kDefaultWidth = 1280;
constexpr int kDefaultHeight = 800;

// How many steps the lesson `options.lesson` has (an error names the lessons there are).
Result<size_t> lesson_steps(const GuiOptions& options) {
  auto dir = app::lessons_dir(options.lessons_dir);
  if (!dir) return unexpected(dir.error());
  auto lessons = debugger::load_lessons(*dir);
  if (!lessons) return unexpected(lessons.error());
  auto lesson = debugger::find_lesson(*lessons, options.lesson);
  if (!lesson) return unexpected(lesson.error());
  return (*lesson)->steps.size();
}

// ~/.config/pwplay/imgui.ini (or under $XDG_CONFIG_HOME); "" when there is no home to write to.
std::string default_ini_path() {
  std::filesystem::path dir;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
    dir = std::filesystem::path(xdg) / "pwplay";
  else if (const char* home = std::getenv("HOME"); home && *home)
    dir = std::filesystem::path(home) / ".config" / "pwplay";
  else
    return {};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return {};
  return (dir / "imgui.ini").string();
}

bool parse_size(const std::string& text, int& width, int& height) {
  int w = 0, h = 0;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%dx%d%c", &w, &h, &extra) != 2 || w < 200 || h < 200) return false;
  width = w;
  height = h;
  return true;
}

}  // namespace

GuiApp::GuiApp(GuiOptions options, std::optional<AutomationScript> script)
    : options_(std::move(options)) {
  if (script) automation_.emplace(std::move(*script));
  debug_view_.set_memory_panel(&memory_panel_);
  register_commands();
}

GuiApp::~GuiApp() = default;

Result<ScreenshotInfo> GuiApp::capture(const std::string& path) {
  return window_.capture(path);
}

nlohmann::json GuiApp::ui_state() {
  nlohmann::json ui = nlohmann::json::object();
  // The memory view's state and where its grid was drawn (tests click a byte from it).
  ui["memory"] = summarize_memory(memory_view_);
  ui["memory"]["grid"] = inspector_.selected() == InspectorTab::Memory
                             ? memory_panel_.geometry_json()
                             : nlohmann::json(nullptr);
  // The code lines drawn (debug view at a pause, Module tab): tests click one to set a breakpoint.
  ui["code_lines"] = debug_view_.code_lines();
  ui["module_lines"] = module_panel_.code_lines();
  // The trace rows drawn: tests click one to select its event.
  ui["trace_rows"] = trace_panel_.drawn_rows();
  // The Learn panel: open or not, and where its buttons were drawn (tests click them).
  ui["learn"] = {{"open", learn_panel_.open}, {"buttons", learn_panel_.buttons_json()}};
  add_view_fields(ui);
  return ui;
}

nlohmann::json GuiApp::log_sections(const Snapshot& snapshot) {
  return {{"module", summarize_module(module_model_, snapshot)},
          {"chain", summarize_chain(workspace_, snapshot)},
          {"lesson", lessons_.summary()},
          {"debugger", summarize_debugger(snapshot, &debugger_panel_.console())},
          {"comparison", comparison_ ? nlohmann::json{{"before", comparison_->before},
                                                      {"after", comparison_->after},
                                                      {"same", comparison_->diff.same()}}
                                     : nlohmann::json(nullptr)}};
}

void GuiApp::add_view_fields(nlohmann::json& ui) {
  // Which panels are open (the View menu's toggles), the Result panel's tab, and what the
  // clipboard holds (the copy commands' output, read back from the window system).
  nlohmann::json panels = nlohmann::json::object();
  for (const Panel* panel : layout_.panels()) panels[panel->name()] = panel->open;
  ui["panels"] = std::move(panels);
  static const char* const kResultTabs[] = {"upstream", "response", "logs"};
  const int tab = result_panel_.shown_tab();
  ui["result_tab"] =
      tab >= 0 && tab < 3 ? nlohmann::json(kResultTabs[tab]) : nlohmann::json(nullptr);
  const char* clipboard = ImGui::GetClipboardText();
  std::string text = clipboard ? clipboard : "";
  if (text.size() > 4096) text.resize(4096);
  // The clipboard may hold anything (or a character cut in two above): invalid UTF-8 is
  // replaced, so that the log can be written.
  ui["clipboard"] = nlohmann::json::parse(
      nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void GuiApp::apply_startup_options() {
  FilterSettings& filter = workspace_.filter;
  filter = options_.plugin;
  filter.wasm_path = options_.filter;
  if (!options_.request.empty())
    (void)commands_.run("open-request", CommandSource::Startup, options_.request);
  if (!options_.filter.empty())
    (void)commands_.run("load", CommandSource::Startup);
  else
    start_first_run();
  // --lesson: the Learn panel at that lesson (a lesson check's script opens it itself).
  if (!options_.lesson.empty() && !options_.automation_check)
    (void)commands_.run("open-lesson", CommandSource::Startup, options_.lesson);
}

int GuiApp::run() {
  int width = kDefaultWidth, height = kDefaultHeight;
  if (automation_ && automation_->script().width > 0) {
    width = automation_->script().width;
    height = automation_->script().height;
  }
  if (!options_.window_size.empty() && !parse_size(options_.window_size, width, height)) {
    std::fprintf(stderr, "pwplay: --window-size must look like 1280x800 (at least 200x200)\n");
    return 2;
  }
  // Automation runs start from the default layout, so screenshots do not depend on the user's.
  std::string ini = options_.no_ini || automation_ ? std::string() : default_ini_path();
  if (auto opened = window_.open(width, height, "pwplay", ini); !opened) {
    std::fprintf(stderr,
                 "pwplay: the desktop app cannot start: %s.\n"
                 "The headless commands work without a display: 'pwplay run FILTER.wasm --request "
                 "REQ.json', 'pwplay inspect FILTER.wasm'.\n",
                 opened.error().message.c_str());
    return 1;
  }
  content_scale_ = window_.content_scale();
  layout_.install_ini_handler();  // reads the saved theme and font scale
  applied_ = layout_.appearance;
  style::setup(content_scale_ * applied_.font_scale, applied_.theme);
  apply_startup_options();

  int hot_frames =
      3;  // frames still to draw without waiting (input needs a frame or two to settle)
  while (!quit_) {
    bool animating = automation_ || hot_frames > 0 ||
                     session_.snapshot()->state == debugger::SessionState::Running;
    if (window_.wait_events(animating ? 0.0 : 0.5)) hot_frames = 3;
    if (hot_frames > 0) --hot_frames;
    if (window_.close_requested()) break;
    frame();
    if (automation_ && automation_->finished() &&
        (automation_->failed() || automation_->script().exit_when_done))
      return finish_automation();
  }
  if (automation_) return finish_automation();
  return 0;
}

void GuiApp::apply_appearance() {
  if (layout_.appearance == applied_) return;
  applied_ = layout_.appearance;
  style::setup(content_scale_ * applied_.font_scale, applied_.theme);
  window_.upload_fonts();
}

void GuiApp::update_ui_state() {
  ui_.inspector_tab = inspector_.open ? inspector_.selected() : std::nullopt;
  ui_.inspector_headers = inspector_.open ? inspector_.headers() : std::vector<TabHeader>{};
  ui_.layout = layout_.mode();
  ui_.theme = applied_.theme;
  ui_.font_scale = applied_.font_scale;
  ui_.memory_cursor = memory_panel_.cursor();
  if (automation_) automation_->set_ui_state(ui_);
}

int GuiApp::finish_automation() {
  auto snapshot = session_.snapshot();
  if (!automation_->finished() && !automation_->failed())
    std::fprintf(stderr, "pwplay: automation: the window closed before the script finished\n");
  if (automation_->failed())
    std::fprintf(stderr, "pwplay: automation: %s\n", automation_->error().c_str());
  const nlohmann::json sections = log_sections(*snapshot);
  for (const auto& [key, value] : sections.items()) automation_->set_log_section(key, value);
  if (auto written = automation_->write_log(*snapshot, commands_, ui_state()); !written) {
    std::fprintf(stderr, "pwplay: %s\n", written.error().message.c_str());
    return 1;
  }
  if (!automation_->finished()) return 1;
  int code = automation_->exit_code();
  automation_.reset();
  return code;
}

void GuiApp::frame() {
  // Frames a script plays are measured for its log: this thread's CPU time from here to after
  // the swap, so waiting for events or for the display does not count.
  const bool measured = automation_ && !automation_->finished();
  const double started_ms = measured ? thread_cpu_ms() : 0;
  commands_.set_frame(frame_);
  if (automation_ && !automation_->finished()) automation_->before_frame(*this);
  lessons_.tick(commands_, engine_idle(), [this] { return lesson_state(); });
  snapshot_ = session_.snapshot();
  workspace_.observe(*snapshot_);

  // Automation ignores the pointer while it rests where it was at start, so a screenshot does not
  // depend on it; real input (xdotool) moves it and clicks work.
  apply_appearance();
  window_.begin_frame(automation_.has_value());
  open_dropped_files();
  dispatch_shortcuts();
  draw_menu_bar();
  layout_.follow_pause(*snapshot_);
  debugger_panel_.pause_in_centre = layout_.mode() == LayoutMode::Debug;
  layout_.draw(*snapshot_, commands_);
  project_window_.draw(*snapshot_, commands_);
  file_dialog_.draw(*snapshot_, commands_);
  palette_.draw(*snapshot_, commands_);
  welcome_.draw(*snapshot_, commands_);
  help_.draw(commands_);
  draw_comparison();
  update_ui_state();
  window_.render();
  after_frame();

  if (automation_ && !automation_->finished()) automation_->after_render(*this);
  if (!pending_screenshot_.empty()) {
    auto shot = window_.capture(pending_screenshot_);
    if (!shot) std::fprintf(stderr, "pwplay: screenshot: %s\n", shot.error().message.c_str());
    pending_screenshot_.clear();
  }
  window_.present();
  if (measured) automation_->record_frame_time(thread_cpu_ms() - started_ms);
  if (automation_ && frame_ == 0) automation_->record_first_frame(process_uptime_ms());
  ++frame_;
}

Result<void> GuiApp::debug_listen(std::string_view address) {
  if (session_.snapshot()->state == debugger::SessionState::Paused)
    return make_error("the debugger is paused: continue, finish or abort first");
  auto listen = host::proxy::parse_listen_address(
      address.empty() ? std::string("127.0.0.1:8080") : std::string(address), "listen address");
  if (!listen) return unexpected(listen.error());
  if (auto loaded = ensure_filter(session_, workspace_); !loaded) return loaded;
  // On the engine thread, after a load the line above queued; the Debugger tab shows the port
  // or why the proxy did not start.
  host::proxy::ProxyOptions options;
  options.listen = *listen;
  session_.start_proxy_in_background(std::move(options));
  return {};
}

void GuiApp::dispatch_shortcuts() {
  if (palette_.open) return;  // the palette owns the keyboard while it is up
  const ImGuiIO& io = ImGui::GetIO();
  for (const Command& command : commands_.all()) {
    const Shortcut& shortcut = command.shortcut;
    if (shortcut.empty() || shortcut.ctrl != io.KeyCtrl || shortcut.shift != io.KeyShift ||
        shortcut.alt != io.KeyAlt)
      continue;
    // Plain keys belong to the focused text field; chords and function keys always work.
    bool chord = shortcut.ctrl || shortcut.alt || shortcut.key >= keys::kF1;
    if (!chord && io.WantTextInput) continue;
    bool pressed = ImGui::IsKeyPressed(shortcut.key, false) ||
                   (shortcut.key == keys::kEnter && ImGui::IsKeyPressed(keys::kKeypadEnter, false));
    if (pressed) {
      (void)commands_.run(command.id, CommandSource::Shortcut);
      break;
    }
  }
}

void GuiApp::draw_menu_bar() {
  if (!ImGui::BeginMainMenuBar()) return;
  for (const char* menu : {"File", "Run", "Debug", "View", "Help"}) {
    if (!ImGui::BeginMenu(menu)) continue;
    bool any = false, toggles = false;
    for (const Command& command : commands_.all()) {
      if (command.menu != menu || command.arg_required) continue;
      // The panel toggles are set apart from the other View entries.
      if (any && static_cast<bool>(command.checked) != toggles) ImGui::Separator();
      any = true;
      toggles = static_cast<bool>(command.checked);
      std::string keys = format_shortcut(command.shortcut);
      bool checked = command.checked && command.checked();
      if (ImGui::MenuItem(command.label.c_str(), keys.empty() ? nullptr : keys.c_str(), checked,
                          commands_.is_enabled(command)))
        (void)commands_.run(command.id, CommandSource::Menu);
    }
    ImGui::EndMenu();
  }
  ImGui::EndMainMenuBar();
}

void GuiApp::draw_comparison() {
  if (show_comparison_) {
    ImGui::OpenPopup("Compare runs");
    show_comparison_ = false;
  }
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(ImVec2(viewport->WorkPos.x + viewport->WorkSize.x * 0.5f,
                                 viewport->WorkPos.y + viewport->WorkSize.y * 0.45f),
                          ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(viewport->WorkSize.x * 0.8f, viewport->WorkSize.y * 0.6f),
                           ImGuiCond_Appearing);
  comparison_drawn_ = ImGui::BeginPopupModal("Compare runs", nullptr);
  if (!comparison_drawn_) return;
  if (comparison_) {
    const RunComparison& c = *comparison_;
    ImGui::Text("Run #%llu -> run #%llu", static_cast<unsigned long long>(c.before),
                static_cast<unsigned long long>(c.after));
    ImGui::Separator();
    if (c.diff.same()) {
      ImGui::TextColored(style::added(), "Same outcome and trace (timings and addresses aside).");
    } else {
      ImGui::TextColored(style::muted(), "Outcome");
      if (c.diff.outcome.empty()) ImGui::TextColored(style::muted(), "  the same");
      for (const auto& line : c.diff.outcome)
        ImGui::TextColored(style::warning(), "  %s", line.c_str());
      ImGui::TextColored(style::muted(), "Trace, event by event");
      ImGui::PushFont(style::mono());
      if (ImGui::BeginChild("trace-diff", ImVec2(0, -ImGui::GetFrameHeightWithSpacing()), true,
                            ImGuiWindowFlags_HorizontalScrollbar)) {
        if (c.diff.trace.empty()) ImGui::TextColored(style::muted(), "the same");
        for (const auto& line : c.diff.trace) ImGui::TextUnformatted(line.c_str());
      }
      ImGui::EndChild();
      ImGui::PopFont();
    }
  }
  if (ImGui::Button("Close") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

int list_gui_commands(const GuiOptions& options) {
  const std::string& format = *options.list_commands;
  if (!format.empty() && format != "text" && format != "json") {
    std::fprintf(stderr, "pwplay: --list-commands: expected text or json, got '%s'\n",
                 format.c_str());
    return 2;
  }
  // The app fills its table when it is made, before any window opens; --no-ini keeps it from
  // reading the user's recent files.
  GuiOptions quiet = options;
  quiet.no_ini = true;
  GuiApp app(std::move(quiet), std::nullopt);
  std::string out = format == "json" ? commands_json(app.commands()).dump(2) + "\n"
                                     : commands_text(app.commands());
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

int run_gui(const GuiOptions& options) {
  std::optional<AutomationScript> script;
  if (options.automation_check) {
    if (options.lesson.empty()) {
      std::fprintf(stderr, "pwplay: --automation-check needs --lesson ID\n");
      return 2;
    }
    if (!options.automation.empty() || !options.run_commands.empty()) {
      std::fprintf(stderr,
                   "pwplay: --automation-check plays the lesson: give no --automation "
                   "or --run-command\n");
      return 2;
    }
    auto steps = lesson_steps(options);
    if (!steps) {
      std::fprintf(stderr, "pwplay: --lesson: %s\n", steps.error().message.c_str());
      return 1;
    }
    script = lesson_check_script(options.lesson, *steps, options.screenshot);
    script->width = 1600;
    script->height = 1000;
  } else if (!options.automation.empty()) {
    if (!options.run_commands.empty() || !options.screenshot.empty()) {
      std::fprintf(stderr, "pwplay: give either --automation or --run-command/--screenshot\n");
      return 2;
    }
    auto loaded = load_automation_script(options.automation);
    if (!loaded) {
      std::fprintf(stderr, "pwplay: %s\n", loaded.error().message.c_str());
      return 1;
    }
    script = std::move(*loaded);
  } else if (!options.run_commands.empty() || !options.screenshot.empty()) {
    std::vector<std::string> run = options.run_commands;
    if (!options.lesson.empty()) run.insert(run.begin(), "open-lesson=" + options.lesson);
    script = command_line_script(run, options.screenshot, options.frames);
  }
  if (!options.lesson.empty() && !options.automation_check) {
    // An unknown lesson is a typo on the command line: said before any window opens.
    if (auto steps = lesson_steps(options); !steps) {
      std::fprintf(stderr, "pwplay: --lesson: %s\n", steps.error().message.c_str());
      return 1;
    }
  }
  if (script && !options.automation_log.empty()) script->log_path = options.automation_log;
  if (!script && !options.automation_log.empty()) {
    std::fprintf(stderr, "pwplay: --automation-log needs --automation or --run-command\n");
    return 2;
  }
  GuiApp app(options, std::move(script));
  return app.run();
}

}  // namespace pwplay::gui
