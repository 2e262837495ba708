// The desktop app's first run: the add_header sample loaded with its request when no filter is
// given (else the welcome view), the commands around it (open-filter, open-file for dropped files,
// show-welcome, show-shortcuts), and after each frame the recent files and, for automation logs,
// which of these windows were drawn.
#include <filesystem>
#include <system_error>

#include "app/gui/core/file_actions.h"
#include "app/gui/core/firstrun_commands.h"
#include "app/gui/core/open_file.h"
#include "app/gui/gui_app.h"

#ifndef PWPLAY_SOURCE_DIR
#define PWPLAY_SOURCE_DIR ""
#endif

namespace pwplay::gui {
namespace {

namespace fs = std::filesystem;

bool is_inside(const fs::path& file, const fs::path& dir) {
  if (dir.empty()) return false;
  fs::path relative = fs::path(file).lexically_normal().lexically_relative(dir);
  return !relative.empty() && *relative.begin() != "..";
}

}  // namespace

SampleSearch sample_search(const GuiOptions& options) {
  SampleSearch search;
  search.samples_dir = options.samples_dir;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) search.executable = exe;
  if (*PWPLAY_SOURCE_DIR) search.source_dirs.emplace_back(PWPLAY_SOURCE_DIR);
  if (fs::path cwd = fs::current_path(ec); !ec) search.source_dirs.push_back(cwd);
  return search;
}

void GuiApp::register_firstrun_commands() {
  // Automation runs and --no-ini leave the user's files alone, as with the layout.
  recent_ = RecentStore(options_.no_ini || automation_ ? std::string() : default_recent_path());
  (void)recent_.load();  // a file that cannot be read is reported in the welcome view
  welcome_model_.recent = &recent_;

  FirstRunContext context;
  context.locations = [this] { return find_samples(sample_search(options_)); };
  context.base_settings = [this] { return FilterSettings(options_.plugin); };
  context.on_sample_opened = [this] {
    status_bar_.set_hint(next_steps_hint(commands_));
    welcome_.open = false;
  };
  register_first_run_commands(commands_, workspace_, session_, std::move(context));
  register_open_file_command(commands_, workspace_);

  Workspace& ws = workspace_;
  commands_.add({"open-filter", "Open filter...", "File", *parse_shortcut("Ctrl+Shift+O"),
                 "PATH of a .wasm (or .so) to load (default: a file browser opens)", false,
                 [this, &ws](std::string_view arg) -> Result<void> {
                   if (arg.empty()) {
                     ask_for_file(ws, FileDialog::Kind::OpenFilter, ws.filter.wasm_path);
                     return {};
                   }
                   const Command* load = commands_.find("load");
                   if (!load) return make_error("open-filter: no load command");
                   return load->run(arg);
                 }});
  commands_.add(
      {"show-welcome", "Samples", "File", {}, "", false, [this](std::string_view) -> Result<void> {
         refresh_welcome();
         welcome_.open = true;
         return {};
       }});
  commands_.add({"show-shortcuts", "Keyboard shortcuts", "Help", *parse_shortcut("Shift+F1"), "",
                 false, [this](std::string_view) -> Result<void> {
                   help_.show_shortcuts();
                   return {};
                 }});
}

void GuiApp::refresh_welcome() {
  auto locations = find_samples(sample_search(options_));
  welcome_model_.samples.clear();
  welcome_model_.samples_error.clear();
  if (!locations) {
    welcome_model_.samples_error = locations.error().message;
    return;
  }
  welcome_model_.samples = available_samples(*locations);
  if (!locations->requests.empty() || !locations->assets_requests.empty()) return;
  welcome_model_.samples_error =
      "The request presets (assets/requests/, samples/requests/) were not found: samples open "
      "with a new request.";
}

void GuiApp::start_first_run() {
  // Scripts see the app as they always did (empty) unless they ask for a first run.
  if (options_.no_sample || (automation_ && !options_.first_run)) return;
  auto opened = commands_.run("open-sample", CommandSource::Startup, kFirstRunSample);
  if (!opened) {
    refresh_welcome();
    if (welcome_model_.samples_error.empty()) welcome_model_.samples_error = opened.error().message;
    welcome_.open = true;
  }
  if (!options_.request.empty())  // the request given on the command line wins over the preset
    (void)commands_.run("open-request", CommandSource::Startup, options_.request);
}

void GuiApp::open_dropped_files() {
  for (const std::string& path : window_.take_dropped_paths())
    (void)commands_.run("open-file", CommandSource::Drop, path);
}

void GuiApp::after_frame() {
  // A filter goes in the recent list once it loaded (the samples have their own list).
  const debugger::PluginInfo& plugin = snapshot_->plugin;
  if (plugin.loaded && !plugin.wasm_path.empty() && plugin.wasm_path != remembered_filter_) {
    remembered_filter_ = plugin.wasm_path;
    std::error_code ec;
    fs::path loaded = fs::absolute(plugin.wasm_path, ec).lexically_normal();
    bool sample = false;
    for (const AvailableSample& available : welcome_model_.samples)
      sample = sample || loaded == available.wasm;
    if (auto found = find_samples(sample_search(options_)); found)
      sample = sample || is_inside(loaded, found->built);
    if (!sample) (void)recent_.remember_filter(plugin.wasm_path);
  }
  // A request file opened or saved in this frame.
  const auto& log = commands_.log();
  for (auto it = log.rbegin(); it != log.rend() && it->frame == frame_; ++it) {
    if (!it->ok || workspace_.request_path.empty()) continue;
    bool opened = it->id == "open-request" || it->id == "save-request" ||
                  (it->id == "open-file" && it->arg == workspace_.request_path);
    if (opened && !it->arg.empty()) (void)recent_.remember_request(workspace_.request_path);
  }
  if (automation_) {
    std::vector<std::string> drawn;
    if (welcome_.drawn()) drawn.emplace_back("welcome");
    if (help_.shortcuts_drawn()) drawn.emplace_back("shortcuts");
    if (help_.about_drawn()) drawn.emplace_back("about");
    if (file_dialog_.open) drawn.emplace_back("file");
    if (workspace_.show_project) drawn.emplace_back("project");
    if (comparison_drawn_) drawn.emplace_back("compare");
    automation_->record_windows(drawn);
  }
}

}  // namespace pwplay::gui
