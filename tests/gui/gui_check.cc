// Checks for the desktop app's tests: that a screenshot has the window's size and real content,
// and that fields of a JSON file (the automation log) hold expected values.
//
//   pwplay_gui_check png FILE WIDTH HEIGHT
//   pwplay_gui_check json FILE /json/pointer=VALUE ...   (strings compare without quotes)
//   pwplay_gui_check command LOG ID SOURCE               (the log ran ID from SOURCE, and it
//   worked)
//   pwplay_gui_check frame-times LOG                     (the log's frame_times are there and
//   plausible)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <unordered_set>

#include <nlohmann/json.hpp>

#define STBI_ONLY_PNG
#include <stb_image.h>

namespace {

int check_png(const char* path, int want_width, int want_height) {
  int width = 0, height = 0, channels = 0;
  unsigned char* pixels = stbi_load(path, &width, &height, &channels, 3);
  if (!pixels) {
    std::fprintf(stderr, "FAIL: %s: not a readable PNG (%s)\n", path, stbi_failure_reason());
    return 1;
  }
  int failures = 0;
  if (width != want_width || height != want_height) {
    std::fprintf(stderr, "FAIL: %s is %dx%d, expected %dx%d\n", path, width, height, want_width,
                 want_height);
    ++failures;
  }
  auto at = [&](int x, int y) {
    const unsigned char* p = pixels + (static_cast<size_t>(y) * width + x) * 3;
    return static_cast<uint32_t>(p[0]) << 16 | static_cast<uint32_t>(p[1]) << 8 | p[2];
  };
  std::unordered_set<uint32_t> colours;
  std::map<uint32_t, size_t> histogram;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      colours.insert(at(x, y));
      ++histogram[at(x, y)];
    }
  uint32_t background = std::max_element(histogram.begin(), histogram.end(), [](auto& a, auto& b) {
                          return a.second < b.second;
                        })->first;
  // The middle of the window must hold drawn content (text, tables, frames), not one flat colour.
  size_t region = 0, drawn = 0;
  for (int y = height / 10; y < height * 9 / 10; ++y)
    for (int x = width / 10; x < width * 9 / 10; ++x) {
      ++region;
      uint32_t c = at(x, y);
      int dr = std::abs(static_cast<int>(c >> 16) - static_cast<int>(background >> 16));
      int dg =
          std::abs(static_cast<int>((c >> 8) & 255) - static_cast<int>((background >> 8) & 255));
      int db = std::abs(static_cast<int>(c & 255) - static_cast<int>(background & 255));
      if (std::max({dr, dg, db}) > 12) ++drawn;
    }
  double drawn_fraction = region ? static_cast<double>(drawn) / static_cast<double>(region) : 0.0;
  std::printf("%s: %dx%d, %zu distinct colours, background #%06x, %.1f%% of the middle drawn\n",
              path, width, height, colours.size(), background, drawn_fraction * 100.0);
  if (colours.size() < 64) {
    std::fprintf(stderr, "FAIL: only %zu distinct colours: the window looks blank\n",
                 colours.size());
    ++failures;
  }
  if (drawn_fraction < 0.05) {
    std::fprintf(stderr, "FAIL: only %.1f%% of the middle differs from the background\n",
                 drawn_fraction * 100.0);
    ++failures;
  }
  stbi_image_free(pixels);
  return failures ? 1 : 0;
}

nlohmann::json read_json(const char* path, bool& ok);

int check_json(const char* path, int count, char** expectations) {
  bool ok = false;
  nlohmann::json json = read_json(path, ok);
  if (!ok) return 1;
  int failures = 0;
  for (int i = 0; i < count; ++i) {
    std::string expectation = expectations[i];
    size_t eq = expectation.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "usage: POINTER=VALUE, got '%s'\n", expectation.c_str());
      return 2;
    }
    std::string pointer = expectation.substr(0, eq);
    std::string want = expectation.substr(eq + 1);
    std::string got = "(missing)";
    try {
      const nlohmann::json& value = json.at(nlohmann::json::json_pointer(pointer));
      got = value.is_string() ? value.get<std::string>() : value.dump();
    } catch (const std::exception&) {
    }
    if (got == want) {
      std::printf("ok: %s = %s\n", pointer.c_str(), got.c_str());
    } else {
      std::fprintf(stderr, "FAIL: %s: %s is %s, expected %s\n", path, pointer.c_str(), got.c_str(),
                   want.c_str());
      ++failures;
    }
  }
  return failures ? 1 : 0;
}

nlohmann::json read_json(const char* path, bool& ok) {
  ok = false;
  std::ifstream file(path);
  if (!file) {
    std::fprintf(stderr, "FAIL: %s: cannot read\n", path);
    return {};
  }
  try {
    nlohmann::json json = nlohmann::json::parse(file);
    ok = true;
    return json;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "FAIL: %s: not JSON: %s\n", path, error.what());
    return {};
  }
}

int check_command(const char* path, const std::string& id, const std::string& source) {
  bool ok = false;
  nlohmann::json log = read_json(path, ok);
  if (!ok) return 1;
  for (const auto& entry : log.value("commands", nlohmann::json::array())) {
    if (entry.value("id", "") == id && entry.value("source", "") == source &&
        entry.value("ok", false)) {
      std::printf("ok: '%s' ran from the %s\n", id.c_str(), source.c_str());
      return 0;
    }
  }
  std::fprintf(stderr, "FAIL: %s: no successful '%s' from the %s in /commands\n", path, id.c_str(),
               source.c_str());
  return 1;
}

// frame_times: frames measured (no more than the script played), each time a non-negative
// number, p50 <= p99 <= max under a bound no frame of a working app reaches, and the first frame
// after the process started but within the test's timeout.
int check_frame_times(const char* path) {
  bool ok = false;
  nlohmann::json log = read_json(path, ok);
  if (!ok) return 1;
  const nlohmann::json times = log.value("frame_times", nlohmann::json());
  if (!times.is_object()) {
    std::fprintf(stderr, "FAIL: %s: no frame_times object\n", path);
    return 1;
  }
  auto number = [&](const char* key) {
    const nlohmann::json value = times.value(key, nlohmann::json());
    return value.is_number() ? value.get<double>() : -1.0;
  };
  const double frames = number("frames"), p50 = number("p50_ms"), p99 = number("p99_ms"),
               max = number("max_ms"), first = number("first_frame_ms");
  const double played = log.value("frames", 0.0);
  constexpr double kFrameBoundMs = 10000;
  constexpr double kTimeoutMs = 120000;
  std::string problem;
  if (frames <= 0 || frames > played)
    problem = "frames is not in 1..the frames played";
  else if (p50 < 0 || p50 > p99 || p99 > max)
    problem = "not 0 <= p50_ms <= p99_ms <= max_ms";
  else if (max > kFrameBoundMs)
    problem = "max_ms is over 10 s";
  else if (first <= 0 || first > kTimeoutMs)
    problem = "first_frame_ms is not in (0, 120 s]";
  if (!problem.empty()) {
    std::fprintf(stderr, "FAIL: %s: %s: %s\n", path, problem.c_str(), times.dump().c_str());
    return 1;
  }
  std::printf("ok: %s frame_times %s\n", path, times.dump().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "png")
    return check_png(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
  if (argc >= 4 && std::string(argv[1]) == "json") return check_json(argv[2], argc - 3, argv + 3);
  if (argc == 5 && std::string(argv[1]) == "command")
    return check_command(argv[2], argv[3], argv[4]);
  if (argc == 3 && std::string(argv[1]) == "frame-times") return check_frame_times(argv[2]);
  std::fprintf(stderr,
               "usage: pwplay_gui_check png FILE WIDTH HEIGHT\n"
               "       pwplay_gui_check json FILE /pointer=VALUE ...\n"
               "       pwplay_gui_check command LOG ID SOURCE\n"
               "       pwplay_gui_check frame-times LOG\n");
  return 2;
}
