#include "debugger/formats/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <vector>

#include "host/file_read.h"

namespace pwplay::debugger {
namespace {

std::mutex g_hook_mutex;
AtomicWriteFaultHook g_hook;

// False when the test hook asks this step to fail; errno is then EIO like a real failure.
bool step_allowed(std::string_view step) {
  std::lock_guard<std::mutex> lock(g_hook_mutex);
  if (g_hook && !g_hook(step)) {
    errno = EIO;
    return false;
  }
  return true;
}

std::string reason(int error) {
  return std::strerror(error);
}

// A FIFO or a character device (/dev/null, /dev/stdout, a terminal) is written through, as a
// shell's `>` does: renaming a regular file over it would replace the device node itself.
Result<void> write_through(const std::string& path, const std::string& target,
                           std::string_view bytes) {
  int fd = ::open(target.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return make_error(path + ": cannot open for writing (" + reason(errno) + ")");
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      int error = errno;
      ::close(fd);
      return make_error(path + ": writing failed (" + reason(error) + ")");
    }
    written += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return make_error(path + ": closing failed (" + reason(errno) + ")");
  return {};
}

}  // namespace

void set_atomic_write_fault_hook(AtomicWriteFaultHook hook) {
  std::lock_guard<std::mutex> lock(g_hook_mutex);
  g_hook = std::move(hook);
}

Result<void> write_file_atomically(const std::string& path, std::string_view bytes) {
  namespace fs = std::filesystem;
  if (path.empty()) return make_error("cannot save: no file name given");
  fs::path target = path;
  std::error_code ec;
  // stat follows links, so a link to /dev/stdout (a pipe) is written through as well.
  struct stat special {};
  if (::stat(path.c_str(), &special) == 0 &&
      (S_ISFIFO(special.st_mode) || S_ISCHR(special.st_mode)))
    return write_through(path, path, bytes);
  // Replace what a symlink points to, not the link itself.
  if (fs::is_symlink(target, ec)) {
    fs::path resolved = fs::weakly_canonical(target, ec);
    if (!ec) target = resolved;
  }
  if (fs::is_directory(target, ec)) return make_error(path + ": is a directory, cannot save there");
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";

  mode_t mode = 0644;
  struct stat existing {};
  if (::stat(target.c_str(), &existing) == 0) {
    if (!S_ISREG(existing.st_mode))
      return make_error(path + ": is " + host::file_kind(existing.st_mode) +
                        ", cannot save there (expected a regular file, a FIFO or a character "
                        "device)");
    mode = existing.st_mode & 07777;
  }

  std::string temp_name = target.string() + ".tmp-XXXXXX";
  std::vector<char> temp(temp_name.begin(), temp_name.end());
  temp.push_back('\0');
  if (!step_allowed("create")) {
    return make_error(path + ": cannot create a temporary file in " + dir.string() + " (" +
                      reason(errno) + ")");
  }
  int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    return make_error(path + ": cannot create a temporary file in " + dir.string() + " (" +
                      reason(errno) + ")");
  }
  std::string temp_path = temp.data();
  auto fail = [&](const std::string& step, int error) -> Result<void> {
    if (fd >= 0) ::close(fd);
    ::unlink(temp_path.c_str());
    return make_error(path + ": " + step + " failed (" + reason(error) +
                      "); the file was not changed");
  };

  if (::fchmod(fd, mode) != 0) return fail("setting permissions", errno);
  size_t written = 0;
  while (written < bytes.size()) {
    if (!step_allowed("write")) return fail("writing", errno);
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("writing", errno);
    }
    written += static_cast<size_t>(n);
  }
  if (!step_allowed("fsync") || ::fsync(fd) != 0) return fail("flushing to disk", errno);
  int close_result = ::close(fd);
  fd = -1;
  if (close_result != 0) return fail("closing the temporary file", errno);
  if (!step_allowed("rename") || ::rename(temp_path.c_str(), target.c_str()) != 0)
    return fail("replacing the file", errno);

  // Make the rename itself durable. A failure here cannot undo the save, so it is not reported.
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

}  // namespace pwplay::debugger
