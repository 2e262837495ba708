// Editable name/value rows, the composer's building block: headers (with an on/off box and
// reordering), query parameters, trailers, and the headers of mock replies.
#pragma once

#include <vector>

#include "app/gui/core/request_composer.h"
#include "app/gui/core/workspace.h"

namespace pwplay::gui::request_ui {

struct RowEditorOptions {
  bool toggles = false;  // an on/off box per row (headers)
  bool reorder = false;  // up/down buttons per row
  float max_rows_visible = 8;
};

// Draws the rows and an "+ Add" button; returns true when anything changed.
bool edit_rows(const char* id, std::vector<HeaderRow>& rows, const RowEditorOptions& options);
// The same for query parameters (a parameter without "=" keeps having none).
bool edit_params(const char* id, std::vector<QueryParam>& params);

}  // namespace pwplay::gui::request_ui
