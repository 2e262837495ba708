// run_gui() and list_gui_commands() for builds without Dear ImGui / GLFW / OpenGL: they say so
// and point to the headless commands.
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

int list_gui_commands(const GuiOptions&) {
  std::fprintf(stderr,
               "pwplay: this build has no desktop app, so no command table to list (Dear ImGui, "
               "GLFW or OpenGL were missing when it was configured).\n");
  return 1;
}

}  // namespace pwplay::gui
