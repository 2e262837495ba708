#include "support/cli.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace pwplay::testing {
namespace {

std::string read_all(int fd) {
  std::string out;
  char buffer[65536];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) out.append(buffer, static_cast<size_t>(n));
  return out;
}

}  // namespace

CommandResult run_pwplay(const std::vector<std::string>& args, const std::string& stdin_text) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("pwplay-cli-" + std::to_string(getpid()));
  fs::create_directories(dir);
  static int counter = 0;
  std::string base = (dir / std::to_string(counter++)).string();
  std::string out_path = base + ".out", err_path = base + ".err", in_path = base + ".in";
  {
    std::ofstream in(in_path, std::ios::binary);
    in << stdin_text;
  }
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int in_fd = open(in_path.c_str(), O_RDONLY);
    int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    std::vector<char*> argv;
    std::string binary = PWPLAY_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copies = args;
    for (auto& a : copies) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  int out_fd = open(out_path.c_str(), O_RDONLY);
  int err_fd = open(err_path.c_str(), O_RDONLY);
  result.out = read_all(out_fd);
  result.err = read_all(err_fd);
  close(out_fd);
  close(err_fd);
  fs::remove(out_path);
  fs::remove(err_path);
  fs::remove(in_path);
  return result;
}

std::string sample(const std::string& name) {
  return std::string(PWPLAY_SAMPLES_DIR) + "/" + name + ".wasm";
}

std::string sample_for(const std::string& name, const std::string& engine) {
  if (engine == "native") return std::string(PWPLAY_SAMPLES_DIR) + "/native/" + name + ".so";
  return sample(name);
}

bool has_sample(const std::string& name, const std::string& engine) {
  // From the sources, not the build: a C++ sample whose shared object is missing fails its test.
  if (engine != "native") return true;
  return std::filesystem::exists(std::string(PWPLAY_SOURCE_DIR) + "/samples/cpp/" + name + ".cc");
}

std::string request_file(const std::string& name) {
  return std::string(PWPLAY_SOURCE_DIR) + "/samples/requests/" + name;
}

std::string write_temp_file(const std::string& name, const std::string& content) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("pwplay-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path path = dir / name;
  std::ofstream out(path, std::ios::binary);
  out << content;
  return path.string();
}

nlohmann::json run_json(const std::vector<std::string>& args, int expected_exit,
                        CommandResult* raw) {
  SCOPED_TRACE(::testing::PrintToString(args));
  std::vector<std::string> full = {"run"};
  full.insert(full.end(), args.begin(), args.end());
  full.push_back("--json");
  CommandResult result = run_pwplay(full);
  if (raw) *raw = result;
  EXPECT_EQ(result.exit_code, expected_exit) << result.err;
  try {
    return nlohmann::json::parse(result.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "output is not JSON: " << e.what() << "\n" << result.out << "\n" << result.err;
    return nlohmann::json::object();
  }
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string header(const nlohmann::json& headers, const std::string& name) {
  auto lower = [](std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  };
  for (const auto& pair : headers)
    if (lower(pair[0].get<std::string>()) == lower(name)) return pair[1].get<std::string>();
  return "<absent>";
}

}  // namespace pwplay::testing
