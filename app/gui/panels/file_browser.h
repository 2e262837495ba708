// The file browser widget the File windows show under their path field: the folder with an Up
// button, its entries (folders first) in a scrolling table, and an "All files" toggle. The model
// (listing, filter, completion) is app/gui/core/file_browser.h.
#pragma once

#include <string>

#include "app/gui/core/file_browser.h"

struct ImGuiInputTextCallbackData;

namespace pwplay::gui {

// Draws `browser` in `height` pixels. A click on a folder enters it; a click on a file puts its
// path in `path`, a double click (or Enter on it) also returns true: the file is chosen. With
// `keep_name` (Save windows) entering a folder keeps the file name typed in `path`.
bool draw_file_browser(FileBrowser& browser, std::string& path, float height, bool keep_name);

// The path field's Tab completion (ImGuiInputTextFlags_CallbackCompletion): `user_data` is the
// FileBrowser whose filter applies; relative paths complete from the current directory.
int complete_path_callback(ImGuiInputTextCallbackData* data);

}  // namespace pwplay::gui
