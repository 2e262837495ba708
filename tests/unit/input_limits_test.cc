// Hostile input files against the readers: numbers out of range, deep nesting, YAML alias bombs,
// special files (FIFOs, devices, directories), size limits, output to special files, paths and
// environment variables in untrusted scenario files, and control characters in text output.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "debugger/formats/atomic_file.h"
#include "debugger/formats/har.h"
#include "debugger/formats/json_read.h"
#include "debugger/formats/plugin_config_file.h"
#include "debugger/formats/project.h"
#include "debugger/formats/proxy_config_file.h"
#include "debugger/formats/request_file.h"
#include "debugger/formats/scenario.h"
#include "host/file_read.h"
#include "host/trace.h"
#include "support/session_support.h"

namespace pwplay::debugger {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A fresh directory per test, removed at the end.
class InputLimits : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& content) {
    return dir_.write(name, content);
  }
  std::string fifo(const std::string& name) { return dir_.fifo(name); }
  pwplay::testing::UniqueTempDir dir_;
};

std::string nested(char open, char close, size_t depth) {
  return std::string(depth, open) + std::string(depth, close);
}

TEST_F(InputLimits, ANumberOutOfRangeIsAnErrorWithItsPlace) {
  auto parsed = parse_json_text("{\n  \"a\": 1e400\n}", "x.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message,
            "x.json:2:8: invalid JSON: number 1e400 is out of range (expected a number that fits "
            "a 64-bit floating point value)");
  auto syntax = parse_json_text("{\"a\": }", "y.json");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().message.rfind("y.json:1:7: invalid JSON: syntax error", 0), 0u)
      << syntax.error().message;
}

TEST_F(InputLimits, NestingIsRefusedPastTheLimitBeforeTheDocumentIsBuilt) {
  EXPECT_TRUE(parse_json_text(nested('[', ']', kMaxJsonDepth), "ok.json").ok());
  auto deeper = parse_json_text(nested('[', ']', kMaxJsonDepth + 1), "deep.json");
  ASSERT_FALSE(deeper.ok());
  EXPECT_EQ(deeper.error().message,
            "deep.json:1:513: invalid JSON: nested deeper than 512 arrays and objects (the limit "
            "of nesting)");
  // 100,000 levels: refused at once (no stack overflow, nothing built).
  auto start = std::chrono::steady_clock::now();
  auto bomb = parse_json_text(nested('[', ']', 100'000), "bomb.json");
  ASSERT_FALSE(bomb.ok());
  EXPECT_TRUE(contains(bomb.error().message, "nested deeper than 512")) << bomb.error().message;
  std::string objects;
  for (int i = 0; i < 100'000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(100'000, '}');
  EXPECT_FALSE(parse_json_text(objects, "objects.json").ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(InputLimits, ADocumentLargerThanTheLimitIsRefused) {
  EXPECT_TRUE(parse_json_text("[1, 2]", "s.json", kMaxJsonDepth, 6).ok());
  auto large = parse_json_text("[1, 22]", "s.json", kMaxJsonDepth, 6);
  ASSERT_FALSE(large.ok());
  EXPECT_EQ(large.error().message,
            "s.json: invalid JSON: the document is larger than the limit of 6 bytes");
}

// 1e400 in each kind of file: an error naming the file, never an exception.
TEST_F(InputLimits, EveryReaderTurnsAnOutOfRangeNumberIntoAnError) {
  const std::string number = "1e400";
  struct Case {
    std::string file;
    std::string text;
    std::function<Result<void>(const std::string&)> load;
  };
  auto as_void = [](auto result) -> Result<void> {
    if (!result) return unexpected(result.error());
    return {};
  };
  std::vector<Case> cases = {
      {"req.json", "{\"path\": \"/\", \"x\": " + number + "}",
       [&](const std::string& p) { return as_void(load_request_file(p)); }},
      {"scenarios.json",
       "{\"scenarios\": [{\"name\": \"a\", \"expect\": {\"status\": " + number + "}}]}",
       [&](const std::string& p) { return as_void(load_scenarios(p)); }},
      {"envoy.json", "{\"config\": {\"configuration\": " + number + "}}",
       [&](const std::string& p) { return as_void(load_plugin_config_file(p)); }},
      {"proxy.json", "{\"listen\": \"127.0.0.1:0\", \"x\": " + number + "}",
       [&](const std::string& p) { return as_void(load_proxy_config_file(p)); }},
      {"project.json", "{\"format\": \"pwplay-project\", \"version\": " + number + "}",
       [&](const std::string& p) { return as_void(load_project(p)); }},
      {"capture.har", "{\"log\": {\"entries\": [{\"time\": " + number + "}]}}",
       [&](const std::string& p) { return as_void(load_har_file(p)); }},
  };
  for (const auto& c : cases) {
    std::string path = write(c.file, c.text);
    auto loaded = c.load(path);
    ASSERT_FALSE(loaded.ok()) << c.file;
    EXPECT_EQ(loaded.error().message.rfind(path + ":1:", 0), 0u) << loaded.error().message;
    EXPECT_TRUE(contains(loaded.error().message, "number 1e400 is out of range"))
        << loaded.error().message;
  }
}

TEST_F(InputLimits, AYamlConfigNestedTooDeepIsRefused) {
  auto deep = yaml_to_json("a: " + nested('[', ']', 100'000), "deep.yaml");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().message.rfind("deep.yaml:", 0), 0u) << deep.error().message;
  // Block sequences ("- - - x"): yaml-cpp reads them, the conversion stops past 512 levels.
  std::string block;
  for (int i = 0; i < 600; ++i) block += "- ";
  auto nested_600 = yaml_to_json(block + "x\n", "n.yaml");
  ASSERT_FALSE(nested_600.ok());
  EXPECT_EQ(nested_600.error().message.rfind("n.yaml:", 0), 0u) << nested_600.error().message;
  EXPECT_TRUE(yaml_to_json("a: " + nested('[', ']', 20), "ok.yaml").ok());
  // Through the file reader, as `pwplay run --plugin-config` does.
  std::string path = write("deep.yaml", "config: " + nested('[', ']', 100'000));
  auto loaded = load_plugin_config_file(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().message.rfind(path + ":", 0), 0u) << loaded.error().message;
}

TEST_F(InputLimits, AYamlAliasBombIsRefusedQuickly) {
  // Nine levels of ten aliases: 10^9 values once expanded, from about a kilobyte of text.
  std::string text =
      "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  std::string previous = "a";
  for (char name = 'b'; name <= 'j'; ++name) {
    text += std::string(1, name) + ": &" + name + " [";
    for (int i = 0; i < 10; ++i) text += (i ? ",*" : "*") + previous;
    text += "]\n";
    previous = std::string(1, name);
  }
  ASSERT_LT(text.size(), 1300u);
  auto start = std::chrono::steady_clock::now();
  auto bomb = yaml_to_json(text, "bomb.yaml");
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.error().message,
            "bomb.yaml: invalid YAML: more than 1000000 values once aliases are expanded (the "
            "limit of YAML expansion)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  // Aliases within the limit still work.
  auto small = yaml_to_json("a: &x [1, 2]\nb: *x\n", "small.yaml");
  ASSERT_TRUE(small.ok()) << small.error().message;
  EXPECT_EQ((*small)["b"], nlohmann::json::parse("[1, 2]"));
}

TEST_F(InputLimits, AYamlAliasBombOfLongStringsIsRefusedByItsBytes) {
  // Five levels of ten aliases over a 60,000-byte string: 100,000 values (under the value limit)
  // of 6 GB once expanded, from about 61 KB of text.
  std::string text = "a: &a \"" + std::string(60'000, 'x') + "\"\n";
  std::string previous = "a";
  for (char name = 'b'; name <= 'f'; ++name) {
    text += std::string(1, name) + ": &" + name + " [";
    for (int i = 0; i < 10; ++i) text += (i ? ",*" : "*") + previous;
    text += "]\n";
    previous = std::string(1, name);
  }
  auto start = std::chrono::steady_clock::now();
  auto bomb = yaml_to_json(text, "strings.yaml");
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.error().message,
            "strings.yaml: invalid YAML: more than 67108864 bytes of keys and values once aliases "
            "are expanded (the limit of YAML expansion)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  // The same string named a few times is fine.
  auto few =
      yaml_to_json("a: &a \"" + std::string(60'000, 'x') + "\"\nb: [*a, *a, *a]\n", "few.yaml");
  ASSERT_TRUE(few.ok()) << few.error().message;
  EXPECT_EQ((*few)["b"].size(), 3u);
}

TEST_F(InputLimits, SpecialFilesAreRefusedWithoutBlocking) {
  std::string pipe = fifo("module.wasm");
  auto start = std::chrono::steady_clock::now();
  auto from_fifo = host::read_user_file(pipe, "module", host::kMaxModuleBytes);
  ASSERT_FALSE(from_fifo.ok());
  EXPECT_EQ(from_fifo.error().message, pipe + " is a FIFO, expected a regular file (the module)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));

  auto zero = read_file("/dev/zero", "request file");
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().message,
            "/dev/zero is a character device, expected a regular file (the request file)");
  auto directory = read_file(dir_.path(), "scenario file");
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().message,
            dir_.path() + " is a directory, expected a regular file (the scenario file)");

  // Every reader goes through it.
  EXPECT_FALSE(load_request_file(pipe).ok());
  EXPECT_FALSE(load_scenarios(pipe).ok());
  EXPECT_FALSE(load_plugin_config_file(pipe).ok());
  EXPECT_FALSE(load_proxy_config_file(pipe).ok());
  EXPECT_FALSE(load_project(pipe).ok());
  EXPECT_FALSE(load_har_file(pipe).ok());
  auto module = read_wasm_file(pipe);
  ASSERT_FALSE(module.ok());
  EXPECT_TRUE(contains(module.error().message, "is a FIFO")) << module.error().message;
  auto device = read_wasm_file("/dev/zero");
  ASSERT_FALSE(device.ok());
  EXPECT_TRUE(contains(device.error().message, "is a character device")) << device.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(InputLimits, FilesLargerThanTheLimitAreRefused) {
  std::string path = write("big.json", std::string(1000, ' ') + "{}");
  auto at_limit = host::read_user_file(path, "request file", 1002);
  ASSERT_TRUE(at_limit.ok()) << at_limit.error().message;
  EXPECT_EQ(at_limit->size(), 1002u);
  auto over = host::read_user_file(path, "request file", 1001);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().message,
            path + ": the request file is larger than the limit of 1001 bytes");
  EXPECT_EQ(host::kMaxModuleBytes, size_t{256} << 20);
  EXPECT_EQ(host::kMaxInputFileBytes, size_t{64} << 20);
}

TEST_F(InputLimits, AnAtomicWriteToAFifoWritesThroughIt) {
  std::string pipe = fifo("report.xml");
  std::string received;
  std::thread reader([&] {
    std::ifstream in(pipe, std::ios::binary);
    received.assign(std::istreambuf_iterator<char>(in), {});
  });
  auto written = write_file_atomically(pipe, "<report/>\n");
  reader.join();
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(received, "<report/>\n");
  struct stat info {};
  ASSERT_EQ(::stat(pipe.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode)) << "the FIFO was replaced";
  // No temporary file was left behind.
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_.path())) ++files;
  EXPECT_EQ(files, 1u);

  // Through a symbolic link too.
  std::string link = dir_.file("link.xml");
  fs::create_symlink(pipe, link);
  std::thread second([&] {
    std::ifstream in(pipe, std::ios::binary);
    received.assign(std::istreambuf_iterator<char>(in), {});
  });
  auto via_link = write_file_atomically(link, "again\n");
  second.join();
  ASSERT_TRUE(via_link.ok()) << via_link.error().message;
  EXPECT_EQ(received, "again\n");
  EXPECT_TRUE(fs::is_symlink(link));
  ASSERT_EQ(::stat(pipe.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
}

TEST_F(InputLimits, AnAtomicWriteToDevNullLeavesTheDevice) {
  auto written = write_file_atomically("/dev/null", "discarded\n");
  ASSERT_TRUE(written.ok()) << written.error().message;
  struct stat info {};
  ASSERT_EQ(::stat("/dev/null", &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode)) << "/dev/null is no longer a character device";
  // A link to it as well.
  std::string link = dir_.file("null");
  fs::create_symlink("/dev/null", link);
  ASSERT_TRUE(write_file_atomically(link, "x").ok());
  EXPECT_TRUE(fs::is_symlink(link));
  ASSERT_EQ(::stat("/dev/null", &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode));
}

TEST_F(InputLimits, ScenarioPathsStayInTheScenarioFolderUnlessAllowed) {
  write("outside/secret.txt", "secret");
  std::string file =
      write("suite/s.json", R"({"filter": "f.wasm", "config_file": "../../etc/passwd",
                                              "scenarios": [{"name": "a", "request": {}}]})");
  ScenarioLoadOptions confined;
  confined.confine_paths = true;
  auto refused = load_scenarios(file, confined);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.error().message, file + ": config_file: "))
      << refused.error().message;
  EXPECT_TRUE(contains(refused.error().message,
                       "is outside the scenario file's folder: paths in a scenario file must "
                       "stay inside it (no absolute paths elsewhere, no '..' out of it); pass "
                       "--allow-paths-outside to allow it"))
      << refused.error().message;
  for (std::string path : {dir_.file("outside/secret.txt"), std::string("/etc/passwd"),
                           std::string("sub/../../outside/secret.txt")}) {
    nlohmann::json document = {
        {"filter", "f.wasm"},
        {"config_file", path},
        {"scenarios", {{{"name", "a"}, {"request", nlohmann::json::object()}}}}};
    auto outside = parse_scenarios(document, file, confined);
    ASSERT_FALSE(outside.ok()) << path;
    EXPECT_TRUE(contains(outside.error().message, "--allow-paths-outside")) << path;
    // Allowed, the same file is read.
    auto allowed = parse_scenarios(document, file, ScenarioLoadOptions{});
    if (path != "/etc/passwd") {
      ASSERT_TRUE(allowed.ok()) << allowed.error().message;
      EXPECT_EQ(allowed->scenarios[0].plugin.configuration, "secret");
    }
  }
  // Inside the folder (and a module in the samples folder) is fine.
  write("suite/conf/c.txt", "inside");
  nlohmann::json inside = {{"filter", dir_.file("samples/f.wasm")},
                           {"config_file", "conf/c.txt"},
                           {"scenarios", {{{"name", "a"}, {"request", nlohmann::json::object()}}}}};
  confined.samples_dir = dir_.file("samples");
  auto ok = parse_scenarios(inside, file, confined);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->scenarios[0].plugin.configuration, "inside");
}

TEST_F(InputLimits, ScenarioErrorsNeverShowAnEnvironmentValue) {
  ::setenv("PWPLAY_LIMITS_TEST_SECRET", "hunter2-secret-value", 1);
  std::string file = write("s.json", R"({"filter": "f.wasm",
      "config_file": "${PWPLAY_LIMITS_TEST_SECRET}",
      "scenarios": [{"name": "a", "request": {}}]})");
  auto config = load_scenarios(file);
  ASSERT_FALSE(config.ok());
  EXPECT_FALSE(contains(config.error().message, "hunter2")) << config.error().message;
  EXPECT_TRUE(contains(config.error().message, "\"${PWPLAY_LIMITS_TEST_SECRET}\""))
      << config.error().message;

  std::string module = write("m.json", R"({"filter": "${PWPLAY_LIMITS_TEST_SECRET}.wasm",
      "scenarios": [{"name": "a", "request": {}}]})");
  auto filter = load_scenarios(module);
  ASSERT_FALSE(filter.ok());
  EXPECT_FALSE(contains(filter.error().message, "hunter2")) << filter.error().message;
  EXPECT_EQ(filter.error().message,
            module +
                ": filter: \"${PWPLAY_LIMITS_TEST_SECRET}.wasm\" is not a regular file (the value "
                "of the variable is not shown)");

  std::string request = write("r.json", R"({"filter": "f.wasm",
      "scenarios": [{"name": "a", "request": "${PWPLAY_LIMITS_TEST_SECRET}/req.json"}]})");
  auto from_request = load_scenarios(request);
  ASSERT_FALSE(from_request.ok());
  EXPECT_FALSE(contains(from_request.error().message, "hunter2")) << from_request.error().message;
  ::unsetenv("PWPLAY_LIMITS_TEST_SECRET");
}

TEST_F(InputLimits, TextOutputEscapesControlCharactersAndKeepsEverythingAfterANul) {
  using namespace std::string_literals;
  EXPECT_EQ(host::printable_text("ok\r\x1b[2KPASS"), "ok\\x0d\\x1b[2KPASS");
  EXPECT_EQ(host::printable_text("a\0b"s), "a\\x00b");
  EXPECT_EQ(host::printable_text("line\nnext\x7f"), "line\\x0anext\\x7f");
  EXPECT_EQ(host::printable_text("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 as is
}

}  // namespace
}  // namespace pwplay::debugger
