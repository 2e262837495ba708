#include "app/gui/platform_window.h"

#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <GLFW/glfw3.h>
#include <stb_image_write.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "app/gui/core/command_table.h"

namespace pwplay::gui {
namespace {

static_assert(keys::kEnter == GLFW_KEY_ENTER && keys::kEscape == GLFW_KEY_ESCAPE &&
                  keys::kTab == GLFW_KEY_TAB && keys::kKeypadEnter == GLFW_KEY_KP_ENTER &&
                  keys::kF1 == GLFW_KEY_F1 && GLFW_KEY_F12 == keys::kF1 + 11 && GLFW_KEY_A == 'A' &&
                  GLFW_KEY_0 == '0' && GLFW_KEY_EQUAL == '=' && GLFW_KEY_MINUS == '-',
              "command_table.h key codes must match GLFW's");

// GLFW's own state is process-wide: its error callback takes no window, and wake() comes from the
// engine thread without one. These two mirror that state; everything per window is a member.
std::string g_glfw_error;
std::atomic<bool> g_glfw_alive{false};

bool is_modifier(int key) {
  switch (key) {
    case GLFW_KEY_LEFT_CONTROL:
    case GLFW_KEY_RIGHT_CONTROL:
    case GLFW_KEY_LEFT_SHIFT:
    case GLFW_KEY_RIGHT_SHIFT:
    case GLFW_KEY_LEFT_ALT:
    case GLFW_KEY_RIGHT_ALT:
    case GLFW_KEY_LEFT_SUPER:
    case GLFW_KEY_RIGHT_SUPER:
      return true;
    default:
      return false;
  }
}

void on_glfw_error(int code, const char* description) {
  g_glfw_error = description ? description : ("GLFW error " + std::to_string(code));
}

std::string last_error() {
  std::string error = g_glfw_error.empty() ? "unknown error" : g_glfw_error;
  g_glfw_error.clear();
  while (!error.empty() && (error.back() == '.' || error.back() == '\n')) error.pop_back();
  return error;
}

}  // namespace

// ImGui 1.86 reads keys as "down at NewFrame": a key pressed and released between two frames
// (fast typists, xdotool, a slow frame) would never be seen. Releases of keys pressed since the
// last frame are held back to the next one, as later ImGui versions do with their input queue.
void PlatformWindow::on_key(GLFWwindow* window, int key, int scancode, int action, int mods) {
  auto* self = static_cast<PlatformWindow*>(glfwGetWindowUserPointer(window));
  if (!self) return;
  const bool pressed_now =
      std::find(self->pressed_this_frame_.begin(), self->pressed_this_frame_.end(), key) !=
      self->pressed_this_frame_.end();
  // A chord typed fast (Ctrl down in one frame, Enter down and both up before the next) must
  // still reach the frame with its modifier held: a modifier's release waits behind the release
  // of a key pressed since the last frame.
  const bool chord_pending = is_modifier(key) && !self->deferred_releases_.empty();
  if (action == GLFW_RELEASE && (pressed_now || chord_pending)) {
    self->deferred_releases_.push_back({key, scancode, action, mods});
    return;
  }
  if (action == GLFW_PRESS) self->pressed_this_frame_.push_back(key);
  if (self->imgui_key_callback_) self->imgui_key_callback_(window, key, scancode, action, mods);
}

bool PlatformWindow::flush_deferred_keys() {
  pressed_this_frame_.clear();
  std::vector<KeyEvent> releases;
  releases.swap(deferred_releases_);
  for (const KeyEvent& e : releases)
    if (imgui_key_callback_) imgui_key_callback_(window_, e.key, e.scancode, e.action, e.mods);
  return !releases.empty();
}

PlatformWindow::~PlatformWindow() {
  if (window_ && imgui_key_callback_) glfwSetKeyCallback(window_, imgui_key_callback_);
  imgui_key_callback_ = nullptr;
  if (imgui_ready_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
  g_glfw_alive = false;
  if (window_) glfwDestroyWindow(window_);
  if (glfw_ready_) glfwTerminate();
}

Result<void> PlatformWindow::open(int width, int height, const std::string& title,
                                  const std::string& ini_path) {
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    const char* display = std::getenv("DISPLAY");
    return make_error(std::string("cannot connect to the display") +
                      (display ? std::string(" '") + display + "'" : std::string()) + ": " +
                      last_error());
  }
  glfw_ready_ = true;

  // OpenGL 3.3 core first (what Mesa and every current driver offer), then any 3.0 context.
  struct Attempt {
    int major, minor;
    bool core;
    const char* glsl;
  };
  const Attempt attempts[] = {{3, 3, true, "#version 330"}, {3, 0, false, "#version 130"}};
  const char* glsl = nullptr;
  std::string errors;
  for (const Attempt& attempt : attempts) {
    glfwDefaultWindowHints();
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, attempt.major);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, attempt.minor);
    if (attempt.core) {
      glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
      glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    }
    glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
    window_ = glfwCreateWindow(width, height, title.c_str(), nullptr, nullptr);
    if (window_) {
      glsl = attempt.glsl;
      break;
    }
    if (!errors.empty()) errors += "; ";
    errors += "OpenGL " + std::to_string(attempt.major) + "." + std::to_string(attempt.minor) +
              ": " + last_error();
  }
  if (!window_) return make_error("no OpenGL 3 context available on this display (" + errors + ")");
  glfwMakeContextCurrent(window_);
  glfwSwapInterval(1);
  // GLFW calls back during glfwPollEvents on this thread; the ImGui backend leaves the window's
  // user pointer free.
  glfwSetWindowUserPointer(window_, this);
  glfwSetDropCallback(window_, &PlatformWindow::on_drop);
  g_glfw_alive = true;

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  imgui_ready_ = true;
  ImGuiIO& io = ImGui::GetIO();
  ini_path_ = ini_path;
  io.IniFilename = ini_path_.empty() ? nullptr : ini_path_.c_str();
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
  if (!ImGui_ImplGlfw_InitForOpenGL(window_, true))
    return make_error("the ImGui GLFW backend did not start");
  imgui_key_callback_ = glfwSetKeyCallback(window_, &PlatformWindow::on_key);
  if (!ImGui_ImplOpenGL3_Init(glsl)) {
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    imgui_ready_ = false;
    return make_error("the ImGui OpenGL 3 backend did not start (no usable OpenGL functions)");
  }
  return {};
}

bool PlatformWindow::wait_events(double timeout_s) {
  // The last frame saw those keys down; now they may go up.
  if (flush_deferred_keys()) timeout_s = 0.0;
  double before = glfwGetTime();
  if (timeout_s <= 0.0)
    glfwPollEvents();
  else
    glfwWaitEventsTimeout(timeout_s);
  return timeout_s <= 0.0 || glfwGetTime() - before < timeout_s * 0.95;
}

void PlatformWindow::wake() {
  if (g_glfw_alive) glfwPostEmptyEvent();
}

bool PlatformWindow::close_requested() const {
  return glfwWindowShouldClose(window_);
}

void PlatformWindow::upload_fonts() {
  if (!imgui_ready_) return;
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
}

float PlatformWindow::content_scale() const {
  float x = 1.0f, y = 1.0f;
  glfwGetWindowContentScale(window_, &x, &y);
  return x > 0.0f ? x : 1.0f;
}

std::string PlatformWindow::glfw_version() {
  int major = 0, minor = 0, revision = 0;
  glfwGetVersion(&major, &minor, &revision);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(revision);
}

void PlatformWindow::begin_frame(bool ignore_idle_pointer) {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  if (ignore_idle_pointer && !pointer_seen_) {
    double x = 0, y = 0;
    glfwGetCursorPos(window_, &x, &y);
    ImGuiIO& io = ImGui::GetIO();
    bool pressed = false;
    for (bool down : io.MouseDown) pressed = pressed || down;
    if (!rest_known_) {
      rest_known_ = true;
      rest_x_ = x;
      rest_y_ = y;
    }
    pointer_seen_ = pressed || x != rest_x_ || y != rest_y_;
    if (!pointer_seen_) io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  }
  ImGui::NewFrame();
}

void PlatformWindow::render() {
  ImGui::Render();
  int width = 0, height = 0;
  glfwGetFramebufferSize(window_, &width, &height);
  glViewport(0, 0, width, height);
  const ImVec4 clear = ImGui::GetStyleColorVec4(ImGuiCol_WindowBg);
  glClearColor(clear.x, clear.y, clear.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void PlatformWindow::present() {
  glfwSwapBuffers(window_);
}

void PlatformWindow::on_drop(GLFWwindow* window, int count, const char** paths) {
  auto* self = static_cast<PlatformWindow*>(glfwGetWindowUserPointer(window));
  if (!self) return;
  for (int i = 0; i < count; ++i)
    if (paths[i] && *paths[i]) self->dropped_.emplace_back(paths[i]);
}

std::vector<std::string> PlatformWindow::take_dropped_paths() {
  std::vector<std::string> out;
  out.swap(dropped_);
  return out;
}

Result<ScreenshotInfo> PlatformWindow::capture(const std::string& path) {
  int width = 0, height = 0;
  glfwGetFramebufferSize(window_, &width, &height);
  if (width <= 0 || height <= 0) return make_error("the window has no pixels (minimized?)");
  std::vector<unsigned char> pixels(static_cast<size_t>(width) * height * 3);
  while (glGetError() != GL_NO_ERROR) {
  }
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  if (GLenum error = glGetError(); error != GL_NO_ERROR)
    return make_error("glReadPixels failed (GL error " + std::to_string(error) + ")");
  // OpenGL's rows go bottom-up; PNG's top-down.
  const size_t stride = static_cast<size_t>(width) * 3;
  std::vector<unsigned char> row(stride);
  for (int y = 0; y < height / 2; ++y) {
    unsigned char* top = pixels.data() + static_cast<size_t>(y) * stride;
    unsigned char* bottom = pixels.data() + static_cast<size_t>(height - 1 - y) * stride;
    std::memcpy(row.data(), top, stride);
    std::memcpy(top, bottom, stride);
    std::memcpy(bottom, row.data(), stride);
  }
  if (!stbi_write_png(path.c_str(), width, height, 3, pixels.data(), static_cast<int>(stride)))
    return make_error(path + ": cannot write the PNG");
  return ScreenshotInfo{path, width, height};
}

}  // namespace pwplay::gui
