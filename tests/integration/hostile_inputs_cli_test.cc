// Hostile files given to the pwplay executable: /dev/zero and FIFOs as every file argument,
// numbers out of range, reports written to a FIFO or /dev/null, paths that leave a scenario's
// folder, and scenario names that would rewrite the terminal. Every run has a deadline, so a
// reader that blocks fails the test instead of hanging it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/cli.h"
#include "support/session_support.h"

namespace pwplay::testing {
namespace {

namespace fs = std::filesystem;

constexpr unsigned kDeadlineSeconds = 30;

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class HostileInputs : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& content) {
    return dir_.write(name, content);
  }
  std::string fifo(const std::string& name) { return dir_.fifo(name); }

  // pwplay with `args`, killed by SIGALRM (exit code 142) past the deadline.
  CommandResult run(const std::vector<std::string>& args) {
    std::string out_path = dir_.file("stdout"), err_path = dir_.file("stderr");
    pid_t pid = ::fork();
    if (pid == 0) {
      int null_fd = ::open("/dev/null", O_RDONLY);
      int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(null_fd, 0);
      ::dup2(out_fd, 1);
      ::dup2(err_fd, 2);
      ::alarm(kDeadlineSeconds);  // survives exec: a blocked read ends the process
      std::vector<std::string> copies = args;
      std::string binary = PWPLAY_BINARY;
      std::vector<char*> argv{binary.data()};
      for (auto& a : copies) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    CommandResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = read_all(out_path);
    result.err = read_all(err_path);
    return result;
  }

  pwplay::testing::UniqueTempDir dir_;
};

TEST_F(HostileInputs, DevZeroAndFifosAreRefusedAsEveryFileArgument) {
  const std::string pipe = fifo("input");
  const std::string filter = sample("add_header");
  const std::string get = request_file("get.json");
  for (const std::string& special : {std::string("/dev/zero"), pipe}) {
    const std::string kind = special == pipe ? "a FIFO" : "a character device";
    const std::string expected = special + " is " + kind + ", expected a regular file";
    struct Case {
      std::vector<std::string> args;
      int exit_code;
    };
    std::vector<Case> cases = {
        {{"run", special, "--request", get}, 1},
        {{"run", filter, "--request", special}, 1},
        {{"run", filter, "--request", get, "--plugin-config", special}, 1},
        {{"run", filter, "--request", get, "--config-file", special}, 1},
        {{"run", filter, "--har", special}, 1},
        {{"inspect", special}, 1},
        {{"debug", filter, "--batch", special}, 1},
        {{"test", special}, 2},
        {{"test", "--har", special, "--filter", filter}, 2},
    };
    for (const auto& c : cases) {
      CommandResult result = run(c.args);
      std::string line;
      for (const auto& a : c.args) line += a + " ";
      EXPECT_EQ(result.exit_code, c.exit_code) << line << "\n" << result.out << result.err;
      EXPECT_TRUE(contains(result.err, expected)) << line << "\n" << result.err;
    }
  }
}

TEST_F(HostileInputs, NumbersOutOfRangeInEveryFileAreErrors) {
  const std::string filter = sample("add_header");
  const std::string request = write("req.json", R"({"path": "/", "x": 1e400})");
  CommandResult run_request = run({"run", filter, "--request", request});
  EXPECT_EQ(run_request.exit_code, 1) << run_request.err;
  EXPECT_TRUE(contains(run_request.err, request + ":1:20: invalid JSON: number 1e400 is out of"))
      << run_request.err;

  const std::string config = write("envoy.json", R"({"config": {"configuration": -1e400}})");
  CommandResult run_config =
      run({"run", filter, "--request", request_file("get.json"), "--plugin-config", config});
  EXPECT_EQ(run_config.exit_code, 1) << run_config.err;
  EXPECT_TRUE(contains(run_config.err, config + ":1:")) << run_config.err;
  EXPECT_TRUE(contains(run_config.err, "number -1e400 is out of range")) << run_config.err;

  const std::string scenarios = write("s.json", R"({"scenarios": [{"name": "a",
      "request": {}, "expect": {"status": 1e400}}]})");
  CommandResult test = run({"test", scenarios});
  EXPECT_EQ(test.exit_code, 2) << test.err;
  EXPECT_TRUE(contains(test.err, scenarios + ":2:")) << test.err;

  const std::string har = write("c.har", R"({"log": {"entries": [{"time": 1e400}]}})");
  CommandResult from_har = run({"run", filter, "--har", har});
  EXPECT_EQ(from_har.exit_code, 1) << from_har.err;
  EXPECT_TRUE(contains(from_har.err, "number 1e400 is out of range")) << from_har.err;

  const std::string proxy = write("proxy.json", R"({"listen": "127.0.0.1:0", "x": 1e400})");
  CommandResult serve = run({"serve", "--proxy-config", proxy});
  EXPECT_NE(serve.exit_code, 0) << serve.err;
  EXPECT_LT(serve.exit_code, 128) << "killed: " << serve.err;
  EXPECT_TRUE(contains(serve.err, "number 1e400 is out of range")) << serve.err;

  // The debugger's send: the line fails, the session goes on.
  const std::string batch = write("batch", "send " + request + "\nhistory\nquit\n");
  CommandResult debug = run({"debug", filter, "--batch", batch});
  EXPECT_LT(debug.exit_code, 128) << "killed: " << debug.out << debug.err;
  EXPECT_TRUE(contains(debug.out + debug.err, "number 1e400 is out of range"))
      << debug.out << debug.err;
  EXPECT_TRUE(contains(debug.out, "(pwplay) history\n")) << debug.out;
}

TEST_F(HostileInputs, DeepJsonAndYamlConfigsAreRefused) {
  const std::string filter = sample("add_header");
  const std::string get = request_file("get.json");
  const std::string deep_json =
      write("deep.json", "{\"config\": {\"configuration\": " + std::string(100'000, '[') +
                             std::string(100'000, ']') + "}}");
  CommandResult deep = run({"run", filter, "--request", get, "--plugin-config", deep_json});
  EXPECT_EQ(deep.exit_code, 1) << deep.err;
  EXPECT_TRUE(contains(deep.err, "nested deeper than 512")) << deep.err;
  const std::string deep_yaml =
      write("deep.yaml", "config:\n  configuration: " + std::string(100'000, '[') +
                             std::string(100'000, ']') + "\n");
  CommandResult yaml = run({"run", filter, "--request", get, "--plugin-config", deep_yaml});
  EXPECT_EQ(yaml.exit_code, 1) << yaml.err;
  EXPECT_TRUE(contains(yaml.err, deep_yaml + ":")) << yaml.err;
}

TEST_F(HostileInputs, JunitReportsWriteThroughAFifoAndDevNull) {
  const std::string with_filter =
      write("f.json", "{\"filter\": \"" + sample("add_header") +
                          "\", \"scenarios\": [{\"name\": \"a\", \"request\": {\"path\": \"/\"}, "
                          "\"expect\": {\"status\": 200}}]}");
  const std::string pipe = fifo("report.xml");
  std::string received;
  std::thread reader([&] { received = read_all(pipe); });
  CommandResult to_fifo = run({"test", with_filter, "--junit", pipe});
  reader.join();
  EXPECT_EQ(to_fifo.exit_code, 0) << to_fifo.out << to_fifo.err;
  EXPECT_TRUE(contains(received, "<testsuites name=\"pwplay\" tests=\"1\" failures=\"0\""))
      << received;
  struct stat info {};
  ASSERT_EQ(::stat(pipe.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode)) << "the FIFO was replaced by a regular file";

  CommandResult to_null = run({"test", with_filter, "--junit", "/dev/null"});
  EXPECT_EQ(to_null.exit_code, 0) << to_null.out << to_null.err;
  ASSERT_EQ(::stat("/dev/null", &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode)) << "/dev/null is no longer a character device";
}

TEST_F(HostileInputs, ScenarioPathsOutsideTheFolderNeedTheFlag) {
  write("secret.txt", "top secret configuration");
  const std::string scenarios = write(
      "suite/s.json", "{\"filter\": \"" + sample("add_header") +
                          "\", \"config_file\": \"../secret.txt\", \"scenarios\": [{\"name\": "
                          "\"a\", \"request\": {\"path\": \"/\"}}]}");
  CommandResult refused = run({"test", scenarios});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_TRUE(contains(refused.err, scenarios + ": config_file: ")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "pass --allow-paths-outside to allow it")) << refused.err;
  CommandResult passwd =
      run({"test", write("suite/p.json",
                         "{\"filter\": \"f.wasm\", \"config_file\": "
                         "\"../../../../../../../../etc/passwd\", "
                         "\"scenarios\": [{\"name\": \"a\", \"request\": {}}]}")});
  EXPECT_EQ(passwd.exit_code, 2) << passwd.err;
  EXPECT_TRUE(contains(passwd.err, "is outside the scenario file's folder")) << passwd.err;
  EXPECT_FALSE(contains(passwd.out + passwd.err, "root:")) << passwd.err;

  CommandResult allowed = run({"test", scenarios, "--allow-paths-outside"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  EXPECT_TRUE(contains(allowed.out, "1 passed, 0 failed")) << allowed.out;
}

TEST_F(HostileInputs, AnEnvironmentVariableInAScenarioPathIsNotShown) {
  ::setenv("PWPLAY_HOSTILE_TEST_TOKEN", "s3cr3t-token-value", 1);
  const std::string scenarios =
      write("s.json",
            "{\"filter\": \"" + sample("add_header") +
                "\", \"config_file\": \"${PWPLAY_HOSTILE_TEST_TOKEN}\", \"scenarios\": [{\"name\": "
                "\"a\", \"request\": {}}]}");
  CommandResult result = run({"test", scenarios});
  ::unsetenv("PWPLAY_HOSTILE_TEST_TOKEN");
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_FALSE(contains(result.out + result.err, "s3cr3t")) << result.err;
  EXPECT_TRUE(contains(result.err, "\"${PWPLAY_HOSTILE_TEST_TOKEN}\"")) << result.err;
}

TEST_F(HostileInputs, ScenarioNamesCannotRewriteTheirOwnResultLine) {
  const std::string scenarios =
      write("s.json", "{\"filter\": \"" + sample("add_header") +
                          "\", \"scenarios\": [{\"name\": \"fails\\r\\u001b[2KPASS fake\", "
                          "\"request\": {\"path\": \"/\"}, \"expect\": {\"status\": 599}}]}");
  CommandResult result = run({"test", scenarios});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_TRUE(contains(result.out, "FAIL fails\\x0d\\x1b[2KPASS fake\n")) << result.out;
  EXPECT_FALSE(contains(result.out, "\r")) << result.out;
  EXPECT_FALSE(contains(result.out, "\x1b")) << result.out;
}

TEST_F(HostileInputs, FileNamesInErrorsCannotDriveTheTerminal) {
  // A name with an escape sequence and a carriage return: every subcommand's error shows them as
  // \xNN, whichever path reported it.
  const std::string bad = write("x\x1b[2Jy\rz.wasm", "not a module");
  const std::string get = request_file("get.json");
  const std::vector<std::vector<std::string>> commands = {
      {"inspect", bad},
      {"inspect", bad, "--wat", "proxy_on_request_headers"},
      {"run", bad, "--request", get},
      {"serve", bad, "--listen", "127.0.0.1:0"},
      {"debug", bad, "--request", get},
      {"bench", bad, "--request", get, "--requests", "1"}};
  for (const auto& args : commands) {
    CommandResult result = run(args);
    EXPECT_NE(result.exit_code, 0) << args[0] << ": " << result.err;
    EXPECT_TRUE(contains(result.err, "x\\x1b[2Jy\\x0dz.wasm")) << args[0] << ": " << result.err;
    EXPECT_FALSE(contains(result.out + result.err, "\x1b")) << args[0] << ": " << result.err;
    EXPECT_FALSE(contains(result.out + result.err, "\r")) << args[0] << ": " << result.err;
  }
}

}  // namespace
}  // namespace pwplay::testing
