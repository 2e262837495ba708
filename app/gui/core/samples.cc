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

// A folder holding any catalog row's preset (assets/requests has no get.json).
bool holds_any_preset(const fs::path& dir) {
  if (dir.empty()) return false;
  for (const SampleInfo& info : sample_catalog())
    if (is_file(dir / info.request)) return true;
  return false;
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
       "trap.json"},
      {"loop", "loop.wasm", "WAT", "Never returns: the host's time limit stops it", "loop.json"},
      {"grow_memory", "grow_memory.wasm", "WAT",
       "Grows linear memory until it fails: the host's memory limit", "get.json"},
      // Concepts, one sample each (presets in assets/requests/).
      {"hello", "hello.wasm", "C++",
       "Logs every callback with its arguments: the order of a request's life", "hello.json"},
      {"header_rules", "header_rules.wasm", "C++",
       "Adds, replaces and removes headers as its JSON configuration says", "header_rules.json"},
      {"body_scanner", "body_scanner.wasm", "C++",
       "Looks at each request body chunk as it passes, without buffering", "body_scanner.json"},
      {"dlp", "dlp.wasm", "C++",
       "Masks card numbers (Luhn-checked) in response bodies, buffered to the end", "dlp.json"},
      {"jwt", "jwt.wasm", "C++",
       "Checks an HS256 bearer token: signature, expiry, claims; 401 naming the reason",
       "jwt.json"},
      {"grpc_callout", "grpc_callout.wasm", "C++",
       "Pauses the request for a gRPC call, then resumes or answers 403", "grpc_callout.json"},
      {"rate_limiter", "rate_limiter.wasm", "C++",
       "A token bucket in shared data (compare-and-swap), refilled by a tick; 429 when empty",
       "rate_limiter.json"},
      {"metrics", "metrics.wasm", "C++", "A counter, a gauge and a histogram", "metrics.json"},
      {"properties", "properties.wasm", "C++",
       "Reads Envoy's well-known attributes with proxy_get_property", "properties.json"},
      {"shared_queue", "shared_queue.wasm", "C++",
       "A producer and a consumer plugin through a shared queue (run both: shared_queue.yaml)",
       "shared_queue.json"},
      {"compress", "compress.wasm", "C++",
       "Compresses response bodies with the host's foreign function \"compress\"", "compress.json"},
      // The failure set.
      {"trap_on_header", "trap_on_header.wasm", "C++",
       "Traps when the request carries x-crash: fail closed (503) or open", "trap_on_header.json"},
      {"memory_hog", "memory_hog.wasm", "C++",
       "Keeps 64 MiB per request until the memory limit makes it abort", "memory_hog.json"},
      {"bad_pointer", "bad_pointer.wasm", "WAT",
       "Passes an out-of-bounds pointer to proxy_log: the host refuses the call",
       "bad_pointer.json"},
      {"alloc_zero", "alloc_zero.wasm", "WAT",
       "Its allocator returns 0: the host cannot copy data in and fails the call",
       "alloc_zero.json"},
      {"startup_failure", "startup_failure.wasm", "WAT",
       "proxy_on_configure returns false: the plugin never starts", "startup_failure.json"},
      // AssemblyScript.
      {"auth_callout_as", "auth_callout_as.wasm", "AssemblyScript",
       "Pauses for an HTTP callout to auth, then resumes or answers 403", "auth_callout_as.json"},
      {"shared_data_as", "shared_data_as.wasm", "AssemblyScript",
       "Counts requests in shared data with compare-and-swap", "shared_data_as.json"},
      {"config_as", "config_as.wasm", "AssemblyScript",
       "Header rules read from the plugin configuration, one per line", "config_as.json"},
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
  // assets/requests sits beside samples/ in the same trees.
  for (const fs::path& dir : request_dirs) {
    if (dir.filename() != "requests" || dir.parent_path().filename() != "samples") continue;
    fs::path assets = dir.parent_path().parent_path() / "assets" / "requests";
    if (holds_any_preset(assets)) {
      found.assets_requests = absolute_of(assets);
      break;
    }
  }
  return found;
}

std::optional<fs::path> find_preset(const SampleLocations& locations, const SampleInfo& info) {
  for (const fs::path& dir : {locations.assets_requests, locations.requests})
    if (!dir.empty() && is_file(dir / info.request)) return dir / info.request;
  return std::nullopt;
}

std::vector<AvailableSample> available_samples(const SampleLocations& locations) {
  std::vector<AvailableSample> out;
  for (const SampleInfo& info : sample_catalog()) {
    fs::path wasm = locations.built / info.file;
    if (!is_file(wasm)) continue;
    out.push_back(AvailableSample{&info, wasm, find_preset(locations, info)});
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
  if (std::optional<fs::path> found = find_preset(locations, *info)) {
    request = *found;
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
