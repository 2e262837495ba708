#include "app/gui/panels/request/mocks_view.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

#include "app/gui/core/request_composer.h"
#include "app/gui/panels/request/row_editor.h"
#include "app/gui/style.h"

namespace pwplay::gui::request_ui {
namespace {

// Status, headers and body of a reply; callouts add delay and failure. True when edited.
bool edit_reply(MockReply& reply, bool callout) {
  bool changed = false;
  int status = static_cast<int>(reply.status);
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("0000000").x + ImGui::GetFrameHeight() * 2);
  if (ImGui::InputInt("Status", &status)) {
    reply.status = static_cast<uint32_t>(std::clamp(status, 100, 599));
    changed = true;
  }
  if (callout) {
    ImGui::SameLine();
    int delay = static_cast<int>(reply.delay_ms);
    ImGui::SetNextItemWidth(ImGui::CalcTextSize("0000000").x + ImGui::GetFrameHeight() * 2);
    if (ImGui::InputInt("Delay ms", &delay, 10, 100)) {
      reply.delay_ms = static_cast<uint32_t>(std::clamp(delay, 0, 86'400'000));
      changed = true;
    }
    ImGui::SameLine();
    changed |= ImGui::Checkbox("Fail", &reply.fail);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "The callout fails: the filter gets a response with no headers, as Envoy "
          "answers on a reset");
  }
  ImGui::TextUnformatted("Headers");
  changed |= edit_rows("##reply-headers", reply.headers, {.max_rows_visible = 4});
  ImGui::TextUnformatted("Body");
  ImGui::PushFont(style::mono());
  changed |= ImGui::InputTextMultiline("##reply-body", &reply.body,
                                       ImVec2(-FLT_MIN, ImGui::GetTextLineHeight() * 5));
  ImGui::PopFont();
  return changed;
}

}  // namespace

void draw_upstream(RequestDraft& draft) {
  int mode = upstream_is_real(draft) ? 2 : upstream_is_mock(draft) ? 1 : 0;
  bool switched = ImGui::RadioButton("Echo the request", &mode, 0);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("The upstream answers 200 with the request it received, as JSON");
  ImGui::SameLine();
  switched |= ImGui::RadioButton("Mock response", &mode, 1);
  ImGui::SameLine();
  switched |= ImGui::RadioButton("Real server", &mode, 2);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "The request that leaves the filter chain goes to HOST:PORT over HTTP/1.1; its "
        "response comes back through the filters");
  if (switched) {
    if (mode == 0)
      set_upstream_echo(draft);
    else if (mode == 1)
      set_upstream_mock(draft, MockReply{});
    else
      set_upstream_address(draft, "127.0.0.1:8080");
  }
  if (mode == 0) {
    ImGui::TextColored(style::muted(),
                       "The Result panel's Response tab shows what the upstream echoed.");
    return;
  }
  if (mode == 2) {
    std::string address = upstream_address(draft);
    ImGui::SetNextItemWidth(ImGui::CalcTextSize("000.000.000.000:00000").x * 1.5f);
    if (ImGui::InputTextWithHint("Address", "HOST:PORT", &address))
      set_upstream_address(draft, address);
    ImGui::TextColored(style::muted(),
                       "Sent on Send; a server that cannot be reached answers 503 with why.");
    return;
  }
  MockReply reply = upstream_mock(draft);
  if (edit_reply(reply, false)) set_upstream_mock(draft, reply);
}

void CalloutsView::draw(RequestDraft& draft) {
  ImGui::TextColored(style::muted(),
                     "Replies to proxy_http_call by cluster; a cluster not listed is unknown.");
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.5f);
  bool add = ImGui::InputTextWithHint("##new-cluster", "cluster name", &new_cluster_,
                                      ImGuiInputTextFlags_EnterReturnsTrue);
  add &= !ImGui::GetIO().KeyCtrl;  // Ctrl+Enter is Send's
  ImGui::SameLine();
  add |= ImGui::Button("Add cluster");
  if (add && !new_cluster_.empty()) {
    set_callout_mock(draft, {new_cluster_, MockReply{}});
    new_cluster_.clear();
  }
  for (CalloutMock& mock : callout_mocks(draft)) {
    ImGui::PushID(mock.cluster.c_str());
    bool open = ImGui::CollapsingHeader(
        mock.cluster.c_str(), ImGuiTreeNodeFlags_DefaultOpen | ImGuiTreeNodeFlags_AllowItemOverlap);
    ImGui::SameLine(ImGui::GetContentRegionAvail().x + ImGui::GetCursorPosX() -
                    ImGui::CalcTextSize("Remove").x - ImGui::GetStyle().FramePadding.x * 2);
    if (ImGui::SmallButton("Remove")) {
      remove_callout_mock(draft, mock.cluster);
      ImGui::PopID();
      break;  // the list changed under the loop
    }
    if (open && edit_reply(mock.reply, true)) set_callout_mock(draft, mock);
    ImGui::PopID();
  }
}

}  // namespace pwplay::gui::request_ui
