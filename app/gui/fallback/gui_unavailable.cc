// run_gui() for builds without Dear ImGui / GLFW / OpenGL: says so and points to the headless
// commands.
#include <cstdio>

#include "app/gui/gui_main.h"

namespace pwplay::gui {

int run_gui(const GuiOptions&) {
  std::fprintf(
      stderr,
      "pwplay: this build has no desktop app (Dear ImGui, GLFW or OpenGL were missing when "
      "it was configured: run scripts/deps and rebuild); see 'pwplay --help'.\n");
  return 1;
}

}  // namespace pwplay::gui
