#include "host/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pwplay::host {
namespace {

// Closes the descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string size_text(size_t bytes) {
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

std::string too_large(const std::string& path, const std::string& what, size_t max_bytes) {
  return path + ": the " + what + " is larger than the limit of " + size_text(max_bytes);
}

}  // namespace

std::string file_kind(unsigned mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

Result<std::string> read_user_file(const std::string& path, const std::string& what,
                                   size_t max_bytes) {
  if (path.empty()) return make_error("no " + what + " given (an empty file name)");
  // stat first: opening a FIFO for reading would block until a writer appears.
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return make_error(path + ": cannot open file (" + std::string(std::strerror(errno)) + ")");
  if (!S_ISREG(info.st_mode))
    return make_error(path + " is " + file_kind(info.st_mode) + ", expected a regular file (the " +
                      what + ")");
  // O_NONBLOCK: the path may have been swapped for a FIFO since the stat; fstat says for sure.
  Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0)
    return make_error(path + ": cannot open file (" + std::string(std::strerror(errno)) + ")");
  if (::fstat(fd.get(), &info) != 0)
    return make_error(path + ": cannot open file (" + std::string(std::strerror(errno)) + ")");
  if (!S_ISREG(info.st_mode))
    return make_error(path + " is " + file_kind(info.st_mode) + ", expected a regular file (the " +
                      what + ")");
  if (static_cast<unsigned long long>(info.st_size) > max_bytes)
    return make_error(too_large(path, what, max_bytes));
  std::string out;
  out.reserve(static_cast<size_t>(info.st_size));
  char buffer[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(path + ": read error (" + std::string(std::strerror(errno)) + ")");
    }
    if (n == 0) break;
    // The file may grow while it is read: the limit holds for what is read, not the first stat.
    if (out.size() + static_cast<size_t>(n) > max_bytes)
      return make_error(too_large(path, what, max_bytes));
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace pwplay::host
