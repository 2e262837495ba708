#include "app/gui/core/firstrun_commands.h"

namespace pwplay::gui {
namespace {

std::string key_of(const Commands& commands, const char* id) {
  const Command* command = commands.find(id);
  return command ? format_shortcut(command->shortcut) : std::string();
}

}  // namespace

std::string next_steps_hint(const Commands& commands) {
  std::string hint;
  auto add = [&](const char* id, const char* what) {
    std::string key = key_of(commands, id);
    if (key.empty()) return;
    hint += (hint.empty() ? "" : "; ") + key + " " + what;
  };
  add("send", "sends");
  add("break-on-event", "on an event breaks there");
  add("debug-send", "debugs");
  // The lessons have no key: the menu that holds them.
  if (const Command* lessons = commands.find("open-lesson"); lessons && !lessons->menu.empty())
    hint += (hint.empty() ? "" : "; ") + lessons->menu + " > " + lessons->label +
            " to learn proxy-wasm";
  return hint;
}

Result<std::string> selected_event_target(const Workspace& workspace, const Snapshot& snapshot) {
  const char* what = "select a callback or host call in the Trace tab first";
  const debugger::HistoryEntry* run = workspace.selected_run(snapshot);
  if (!run || !run->ran() || !workspace.selection.event_seq)
    return make_error(std::string("break-on-event: ") + what);
  for (const host::TraceEvent& event : run->trace) {
    if (event.seq != *workspace.selection.event_seq) continue;
    switch (event.kind) {
      case host::EventKind::Callback:
      case host::EventKind::HostCall:
        return event.name;
      case host::EventKind::Trap:
        return std::string("trap");
      default:
        return make_error("break-on-event: a " + std::string(host::event_kind_name(event.kind)) +
                          " event cannot be a breakpoint: " + what);
    }
  }
  return make_error(std::string("break-on-event: the selected event is gone: ") + what);
}

void register_first_run_commands(Commands& commands, Workspace& workspace,
                                 debugger::Session& session, FirstRunContext context) {
  Workspace* ws = &workspace;
  debugger::Session* s = &session;
  Commands* table = &commands;
  auto shared = std::make_shared<FirstRunContext>(std::move(context));
  commands.add({"open-sample",
                "Open sample",
                "",
                {},
                "NAME: a sample of the welcome view (add_header, http_callout, ...)",
                true,
                [ws, s, shared](std::string_view name) -> Result<void> {
                  if (!shared->locations) return make_error("open-sample: no samples");
                  auto locations = shared->locations();
                  if (!locations) return make_error("open-sample: " + locations.error().message);
                  FilterSettings base =
                      shared->base_settings ? shared->base_settings() : FilterSettings{};
                  auto opened = open_sample(*ws, *s, *locations, name, base);
                  if (!opened) return opened;
                  if (shared->on_sample_opened) shared->on_sample_opened();
                  return {};
                }});
  commands.add({"break-on-event", "Break on the selected event", "Debug", *parse_shortcut("F9"), "",
                false, [ws, s, table](std::string_view) -> Result<void> {
                  auto snapshot = s->snapshot();
                  ws->observe(*snapshot);  // a run that just arrived is selected now
                  auto target = selected_event_target(*ws, *snapshot);
                  if (!target) return unexpected(target.error());
                  const Command* add = table->find("debug-break");
                  if (!add) return make_error("break-on-event: no debug-break command");
                  return add->run(*target);
                }});
}

}  // namespace pwplay::gui
