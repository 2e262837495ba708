// Runs `pwplay serve` as a child process for end-to-end tests: no shell, output captured through
// pipes, the listening port read from its first line, stopped with a signal. Every wait bounded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace pwplay::testing {

class ServeProcess {
 public:
  ServeProcess() = default;
  ~ServeProcess();  // kills the process if it still runs
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // Starts `pwplay serve ARGS...` and waits for its "listening on" line. False (with the output
  // so far in out() / err()) when it exits or does not listen in time.
  bool start(const std::vector<std::string>& args,
             std::chrono::milliseconds timeout = std::chrono::seconds(60));
  uint16_t port() const { return port_; }
  // Sends `signal_number`, waits for the exit and returns the exit code (128+N for a signal,
  // -1 when it did not exit in time).
  int stop(int signal_number, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Reads what the process printed so far (waits up to `timeout` for `text` to appear).
  bool wait_for_output(const std::string& text,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  void pump(std::chrono::milliseconds wait);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  uint16_t port_ = 0;
};

}  // namespace pwplay::testing
