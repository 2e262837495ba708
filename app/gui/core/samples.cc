#include "app/gui/core/samples.h"

#include <system_error>

#include "app/gui/core/session_commands.h"

namespace pwplay::gui {
namespace {

namespace fs = std::filesystem;

bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

bool holds_samples(const fs::path& dir) {
  for (const SampleInfo& info : sample_catalog())
    if (is_file(dir / info.file)) return true;
  return false;
}

// The presets of the catalog's first sample mark a requests directory.
bool holds_requests(const fs::path& dir) {
  return !dir.empty() && is_file(dir / sample_catalog().front().request);
}

// `start` and up to four of its parents, nearest first.
std::vector<fs::path> ancestors(const fs::path& start) {
  std::vector<fs::path> out;
  fs::path dir = start;
  for (int i = 0; i < 5 && !dir.empty(); ++i) {
    out.push_back(dir);
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  return out;
}

fs::path absolute_of(const fs::path& path) {
  std::error_code ec;
  fs::path out = fs::absolute(path, ec);
  return ec ? path : out.lexically_normal();
}

// The path as the panels show it: relative to the current directory when the file is under it
// (scripts/run starts in the source tree: build/samples/add_header.wasm).
std::string shown_path(const fs::path& path) {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  if (ec) return path.string();
  fs::path relative = path.lexically_normal().lexically_relative(cwd);
  if (relative.empty() || *relative.begin() == "..") return path.string();
  return relative.string();
}

const SampleInfo* find_info(std::string_view name) {
  for (const SampleInfo& info : sample_catalog())
    if (name == info.name) return &info;
  return nullptr;
}

}  // namespace

const std::vector<SampleInfo>& sample_catalog() {
  static const std::vector<SampleInfo> catalog = {
      {"add_header", "add_header.wasm", "C++",
       "The reference filter: adds x-wasm-filter upstream, x-wasm-response downstream; logs",
       "get.json"},
      {"http_callout", "http_callout.wasm", "C++",
       "Pauses the request, asks the auth cluster, then resumes with x-auth or answers 403",
       "callout.json"},
      {"local_response", "local_response.wasm", "C++",
       "Answers 401 itself when the request has no authorization header", "get.json"},
      {"body_rewrite", "body_rewrite.wasm", "C++",
       "Buffers bodies: appends a line to the request's, upper-cases the response's", "post.json"},
      {"shared_counter", "shared_counter.wasm", "C++",
       "Shared data with compare-and-swap, a counter metric and a 1 s tick", "get.json"},
      {"deny_list", "deny_list.wasm", "C++",
       "A start-up callout fetches a deny list; listed paths get a local 403", "deny_list.json"},
      {"leaky_headers", "leaky_headers.wasm", "C++",
       "Leak hunting: keeps every request's headers, so linear memory keeps growing", "get.json"},
      {"tidy_headers", "tidy_headers.wasm", "C++",
       "The same copy per request, freed with the stream: memory stops growing", "get.json"},
      {"add_header_as", "add_header_as.wasm", "AssemblyScript",
       "add_header written with @solo-io/proxy-runtime (ABI 0.2.0, WASI imports)", "get.json"},
      {"deny_list_as", "deny_list_as.wasm", "AssemblyScript",
       "deny_list with the SDK's httpCall from onConfigure", "deny_list.json"},
      {"add_header_wat", "add_header_wat.wasm", "WAT",
       "add_header with raw host calls: small enough to step instruction by instruction (wabt)",
       "get.json"},
      {"log_levels", "log_levels.wasm", "WAT",
       "Logs at every level, then tries an invalid one (the host answers BAD_ARGUMENT)",
       "get.json"},
      {"trap", "trap.wasm", "WAT", "Traps three calls deep: a backtrace with named frames",
       "get.json"},
      {"loop", "loop.wasm", "WAT", "Never returns: the host's time limit stops it", "get.json"},
      {"grow_memory", "grow_memory.wasm", "WAT",
       "Grows linear memory until it fails: the host's memory limit", "get.json"},
  };
  return catalog;
}

Result<SampleLocations> find_samples(const SampleSearch& search) {
  SampleLocations found;
  std::vector<fs::path> tried;
  if (!search.samples_dir.empty()) {
    tried.push_back(absolute_of(search.samples_dir));
  } else if (!search.executable.empty()) {
    fs::path exe_dir = absolute_of(search.executable).parent_path();
    tried.push_back((exe_dir / ".." / "samples").lexically_normal());
    tried.push_back(exe_dir / "samples");
  }
  for (const fs::path& dir : tried) {
    if (holds_samples(dir)) {
      found.built = dir;
      break;
    }
  }
  if (found.built.empty()) {
    std::string where;
    for (const fs::path& dir : tried) where += (where.empty() ? "" : ", ") + dir.string();
    return make_error("no built samples found" + (where.empty() ? "" : " in " + where) +
                      " (build them with `cmake --build build --target pwplay_samples`)");
  }

  std::vector<fs::path> request_dirs = {found.built / "requests"};
  for (const fs::path& dir : ancestors(found.built.parent_path()))
    request_dirs.push_back(dir / "samples" / "requests");
  if (search.samples_dir.empty() && !search.executable.empty())
    for (const fs::path& dir : ancestors(absolute_of(search.executable).parent_path()))
      request_dirs.push_back(dir / "samples" / "requests");
  for (const fs::path& source : search.source_dirs)
    request_dirs.push_back(source / "samples" / "requests");
  for (const fs::path& dir : request_dirs) {
    if (holds_requests(dir)) {
      found.requests = absolute_of(dir);
      break;
    }
  }
  return found;
}

std::vector<AvailableSample> available_samples(const SampleLocations& locations) {
  std::vector<AvailableSample> out;
  for (const SampleInfo& info : sample_catalog()) {
    fs::path wasm = locations.built / info.file;
    if (!is_file(wasm)) continue;
    AvailableSample sample{&info, wasm, std::nullopt};
    if (!locations.requests.empty() && is_file(locations.requests / info.request))
      sample.request = locations.requests / info.request;
    out.push_back(std::move(sample));
  }
  return out;
}

Result<void> open_sample(Workspace& workspace, debugger::Session& session,
                         const SampleLocations& locations, std::string_view name,
                         const FilterSettings& base) {
  const SampleInfo* info = find_info(name);
  if (!info) {
    std::string known;
    for (const SampleInfo& row : sample_catalog())
      known += (known.empty() ? "" : ", ") + std::string(row.name);
    return make_error("open-sample: unknown sample '" + std::string(name) + "' (known: " + known +
                      ")");
  }
  if (locations.built.empty()) return make_error("open-sample: the built samples were not found");
  fs::path wasm = locations.built / info->file;
  if (!is_file(wasm))
    return make_error("open-sample: " + wasm.string() +
                      " is not built (cmake --build build --target pwplay_samples)");
  if (session.snapshot()->state == debugger::SessionState::Paused)
    return make_error("the debugger is paused: continue, finish or abort the request first");
  // Read the preset before changing anything: a broken one leaves the app as it was.
  Workspace preset;
  fs::path request;
  if (!locations.requests.empty() && is_file(locations.requests / info->request)) {
    request = locations.requests / info->request;
    if (auto opened = preset.open_request(request.string()); !opened) return opened;
  }
  FilterSettings filter = base;
  filter.wasm_path = shown_path(wasm);
  filter.configuration.clear();
  filter.name.clear();
  workspace.filter = std::move(filter);
  workspace.request = std::move(preset.request);
  workspace.request_path = request.empty() ? std::string() : shown_path(request);
  workspace.request_message_is_error = false;
  workspace.request_message =
      "sample " + std::string(info->name) +
      (request.empty() ? std::string() : " with " + request.filename().string());
  return load_filter(session, workspace);
}

}  // namespace pwplay::gui
