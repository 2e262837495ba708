#include "support/serve_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <thread>

namespace pwplay::testing {

ServeProcess::~ServeProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

bool ServeProcess::start(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) return false;
  pid_ = fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    std::string binary = PWPLAY_BINARY;
    std::vector<std::string> copies = {binary, "serve"};
    copies.insert(copies.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : copies) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
  fcntl(out_fd_, F_SETFL, O_NONBLOCK);
  fcntl(err_fd_, F_SETFL, O_NONBLOCK);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  static const std::regex listening(R"(listening on http://[^ ]*:(\d+))");
  while (std::chrono::steady_clock::now() < deadline) {
    pump(std::chrono::milliseconds(50));
    std::smatch match;
    if (std::regex_search(out_, match, listening)) {
      port_ = static_cast<uint16_t>(std::stoi(match[1]));
      return true;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      pump(std::chrono::milliseconds(0));
      return false;
    }
  }
  return false;
}

void ServeProcess::pump(std::chrono::milliseconds wait) {
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  poll(fds, 2, static_cast<int>(wait.count()));
  char buffer[65536];
  for (auto [fd, target] : {std::pair{out_fd_, &out_}, std::pair{err_fd_, &err_}}) {
    while (fd >= 0) {
      ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n <= 0) break;
      target->append(buffer, static_cast<size_t>(n));
    }
  }
}

bool ServeProcess::wait_for_output(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out_.find(text) == std::string::npos && std::chrono::steady_clock::now() < deadline)
    pump(std::chrono::milliseconds(20));
  return out_.find(text) != std::string::npos;
}

int ServeProcess::stop(int signal_number, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal_number);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pump(std::chrono::milliseconds(20));
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      pump(std::chrono::milliseconds(0));
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
  return -1;
}

}  // namespace pwplay::testing
