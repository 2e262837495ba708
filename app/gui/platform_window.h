// PlatformWindow: the GLFW window, its OpenGL 3 context and the ImGui context with the GLFW and
// OpenGL3 backends. Failures (no display, no OpenGL 3) are errors with a message, never crashes.
// Also reads the rendered frame back for screenshots, and queues files dropped on the window.
#pragma once

#include <string>
#include <vector>

#include "abi/result.h"
#include "app/gui/core/automation.h"

struct GLFWwindow;

namespace pwplay::gui {

class PlatformWindow {
 public:
  PlatformWindow() = default;
  ~PlatformWindow();
  PlatformWindow(const PlatformWindow&) = delete;
  PlatformWindow& operator=(const PlatformWindow&) = delete;

  // Opens the window and creates the ImGui context. `ini_path` "" = no layout file.
  Result<void> open(int width, int height, const std::string& title, const std::string& ini_path);
  bool is_open() const { return window_ != nullptr; }

  // Waits for input (or a wake-up) up to `timeout_s`; 0 polls. True when something arrived.
  bool wait_events(double timeout_s);
  // Thread-safe: wakes wait_events() (the engine thread calls it after publishing).
  static void wake();

  bool close_requested() const;
  // After the font atlas was rebuilt (between frames): uploads it again.
  void upload_fonts();
  float content_scale() const;
  static std::string glfw_version();  // monitor DPI scale (1 on ordinary screens)

  // `ignore_idle_pointer`: no hover from wherever the pointer happens to rest (Xvfb puts it
  // mid-screen), so automation screenshots do not depend on it; once the pointer moves or a
  // button is pressed (real input, e.g. xdotool) the mouse works as usual.
  void begin_frame(bool ignore_idle_pointer);
  void render();   // draws the ImGui frame into the back buffer
  void present();  // swaps buffers

  // Writes the back buffer (the frame render() just drew) as a PNG.
  Result<ScreenshotInfo> capture(const std::string& path);

  // The paths of the files dropped on the window since the last call, in order (the frame loop
  // runs them as open-file commands).
  std::vector<std::string> take_dropped_paths();

 private:
  static void on_drop(GLFWwindow* window, int count, const char** paths);
  // Key events, some releases held back a frame (see platform_window.cc), then ImGui's callback.
  static void on_key(GLFWwindow* window, int key, int scancode, int action, int mods);
  bool flush_deferred_keys();  // true when releases were held back: the next frame comes at once
  struct KeyEvent {
    int key, scancode, action, mods;
  };
  using KeyCallback = void (*)(GLFWwindow*, int, int, int, int);
  KeyCallback imgui_key_callback_ = nullptr;
  std::vector<int> pressed_this_frame_;
  std::vector<KeyEvent> deferred_releases_;

  std::vector<std::string> dropped_;  // filled by GLFW's drop callback, on this thread
  GLFWwindow* window_ = nullptr;
  bool glfw_ready_ = false;
  bool imgui_ready_ = false;
  std::string ini_path_;       // ImGui keeps the pointer
  bool pointer_seen_ = false;  // the pointer moved or a button went down since start
  bool rest_known_ = false;
  double rest_x_ = 0, rest_y_ = 0;  // where the pointer rested at the first frame
};

}  // namespace pwplay::gui
