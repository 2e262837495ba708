// The memory view's model without a window: the data inspector's values on known bytes, LEB128
// edge cases, a pairs block built with abi's codec read back, go-to and pointer errors, search,
// copies and their limit, changed bytes, regions, growth; then the view and its commands over a
// real pause of add_header.wasm.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>

#include "abi/pairs.h"
#include "app/gui/core/memory_commands.h"
#include "app/gui/core/memory_model.h"
#include "app/gui/core/memory_state.h"
#include "app/gui/core/session_commands.h"
#include "debugger/formats/request_file.h"
#include "gui/gui_test_support.h"

namespace pwplay::gui::memory {
namespace {

using namespace std::chrono_literals;

MemoryImage image_of(std::vector<uint8_t> bytes) {
  MemoryImage image;
  image.bytes = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
  return image;
}

std::map<std::string, InspectorRow> rows_at(const MemoryImage& image, uint32_t cursor) {
  std::map<std::string, InspectorRow> out;
  for (auto& row : inspect(image, cursor)) out[row.type] = row;
  return out;
}

TEST(MemoryModel, TheInspectorReadsEveryTypeLittleEndian) {
  // ff fe 01 80 | 00 00 80 3f | 00 00 00 00 00 00 f8 3f
  auto image = image_of({0xff, 0xfe, 0x01, 0x80, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x00,
                         0x00, 0x00, 0xf8, 0x3f});
  auto rows = rows_at(image, 0);
  EXPECT_EQ(rows["u8"].value, "255");
  EXPECT_EQ(rows["i8"].value, "-1");
  EXPECT_EQ(rows["u16"].value, "65279");  // 0xfeff
  EXPECT_EQ(rows["i16"].value, "-257");
  EXPECT_EQ(rows["u32"].value, "2147614463");  // 0x8001feff
  EXPECT_EQ(rows["i32"].value, "-2147352833");
  EXPECT_EQ(rows["u64"].value, "4575657223556038399");  // 0x3f8000008001feff
  EXPECT_EQ(rows["i64"].value, "4575657223556038399");
  EXPECT_EQ(rows_at(image, 4)["f32"].value, "1");
  EXPECT_EQ(rows_at(image, 8)["f64"].value, "1.5");
  EXPECT_EQ(rows_at(image, 3)["i8"].value, "-128");
  EXPECT_EQ(rows_at(image, 2)["u8"].value, "1");
  // Past the end: the wide types say so, the narrow ones still read.
  auto end = rows_at(image, 13);
  EXPECT_EQ(end["u16"].value, "63488");  // 00 f8
  EXPECT_EQ(end["u32"].value, "");
  EXPECT_EQ(end["u32"].error, "past the end");
  EXPECT_EQ(end["f64"].error, "past the end");
  ASSERT_TRUE(read_le(image, 12, 4));
  EXPECT_EQ(*read_le(image, 12, 4), 0x3ff80000u);
  EXPECT_FALSE(read_le(image, 13, 4));
}

TEST(MemoryModel, Leb128EdgeCases) {
  auto leb = [](std::vector<uint8_t> bytes, bool is_signed) {
    auto image = image_of(std::move(bytes));
    return is_signed ? read_sleb128(image, 0) : read_uleb128(image, 0);
  };
  ASSERT_TRUE(leb({0x00}, false));
  EXPECT_EQ(leb({0x00}, false)->value, 0u);
  EXPECT_EQ(leb({0x00}, false)->length, 1u);
  EXPECT_EQ(leb({0x7f}, false)->value, 127u);
  EXPECT_EQ(static_cast<int64_t>(leb({0x7f}, true)->value), -1);
  EXPECT_EQ(leb({0x80, 0x01}, false)->value, 128u);
  EXPECT_EQ(leb({0xe5, 0x8e, 0x26}, false)->value, 624485u);
  EXPECT_EQ(leb({0xe5, 0x8e, 0x26}, false)->length, 3u);
  EXPECT_EQ(static_cast<int64_t>(leb({0xc0, 0xbb, 0x78}, true)->value), -123456);
  EXPECT_EQ(static_cast<int64_t>(leb({0x3f}, true)->value), 63);
  EXPECT_EQ(static_cast<int64_t>(leb({0x40}, true)->value), -64);
  // The longest: ten bytes, all 64 bits.
  auto max = leb({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, false);
  ASSERT_TRUE(max);
  EXPECT_EQ(max->value, UINT64_MAX);
  EXPECT_EQ(max->length, 10u);
  auto min = leb({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f}, true);
  ASSERT_TRUE(min);
  EXPECT_EQ(static_cast<int64_t>(min->value), INT64_MIN);
  // Too long, and cut off by the end of memory.
  auto too_long = leb(std::vector<uint8_t>(11, 0x80), false);
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().message.find("longer than 10 bytes"), std::string::npos);
  auto cut = leb({0x80, 0x80}, false);
  ASSERT_FALSE(cut);
  EXPECT_NE(cut.error().message.find("runs past the end of memory"), std::string::npos);
  // The inspector shows value and length.
  auto rows = rows_at(image_of({0xe5, 0x8e, 0x26}), 0);
  EXPECT_EQ(rows["uleb128"].value, "624485 (3 bytes)");
}

TEST(MemoryModel, APairsBlockBuiltWithTheCodecReadsBack) {
  const abi::HeaderPairs headers{{":path", "/x"}, {"x-a", ""}, {"accept", "*/*"}};
  const auto encoded = abi::encode_pairs(headers);
  // 16 bytes before the block, 8 after.
  std::vector<uint8_t> bytes(16 + encoded.size() + 8, 0xbb);
  std::fill_n(bytes.begin(), 16, uint8_t{0xaa});
  std::memcpy(bytes.data() + 16, encoded.data(), encoded.size());
  auto image = image_of(bytes);
  auto block = read_pairs(image, 16);
  ASSERT_TRUE(block) << block.error().message;
  EXPECT_EQ(block->count, 3u);
  ASSERT_EQ(block->sizes.size(), 3u);
  EXPECT_EQ(block->sizes[0], (std::pair<uint32_t, uint32_t>{5, 2}));
  EXPECT_EQ(block->sizes[1], (std::pair<uint32_t, uint32_t>{3, 0}));
  EXPECT_EQ(block->pairs, headers);
  EXPECT_EQ(block->length, encoded.size());
  auto rows = rows_at(image, 16);
  EXPECT_TRUE(rows["pairs"].error.empty());
  EXPECT_EQ(rows["pairs"].value,
            "3 pairs, " + std::to_string(encoded.size()) + " bytes\n:path: /x\nx-a: \naccept: */*");

  // Not a pairs block, each with why.
  auto garbage = read_pairs(image, 0);  // count 0xaaaaaaaa
  ASSERT_FALSE(garbage);
  EXPECT_TRUE(garbage.error().message.starts_with("not a pairs block: count "))
      << garbage.error().message;
  EXPECT_NE(garbage.error().message.find("over the limit of 1024"), std::string::npos);
  auto cut = image_of(std::vector<uint8_t>(encoded.begin(), encoded.end() - 3));
  auto truncated = read_pairs(cut, 0);
  ASSERT_FALSE(truncated);
  EXPECT_TRUE(truncated.error().message.starts_with("not a pairs block: "));
  EXPECT_NE(truncated.error().message.find("past the end of memory"), std::string::npos);
  auto no_nul = encoded;
  no_nul[4 + 8 * 3 + 5] = 'X';  // the NUL after ":path"
  auto bad = read_pairs(image_of(no_nul), 0);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().message.starts_with("not a pairs block: ")) << bad.error().message;
  EXPECT_EQ(rows_at(image_of(no_nul), 0)["pairs"].error, bad.error().message);
}

TEST(MemoryModel, CStringsStopAtNulTheLimitOrTheEnd) {
  auto image = image_of({'h', 'i', 0, 'a', 'b'});
  auto hi = read_cstring(image, 0);
  ASSERT_TRUE(hi);
  EXPECT_EQ(hi->text, "hi");
  EXPECT_TRUE(hi->terminated);
  auto ab = read_cstring(image, 3);
  EXPECT_EQ(ab->text, "ab");
  EXPECT_FALSE(ab->terminated);
  EXPECT_EQ(rows_at(image, 3)["C string"].value, "\"ab\" (no NUL)");
  auto limited = read_cstring(image_of(std::vector<uint8_t>(1000, 'x')), 0);
  EXPECT_EQ(limited->text.size(), kCStringLimit);
  EXPECT_FALSE(read_cstring(image, 5));
}

TEST(MemoryModel, GoToParsesHexAndDecimalAndRefusesOutOfRange) {
  EXPECT_EQ(*parse_address("0x10", 256), 16u);
  EXPECT_EQ(*parse_address("10h", 256), 16u);
  EXPECT_EQ(*parse_address(" 16 ", 256), 16u);
  EXPECT_EQ(*parse_address("0xFF", 256), 255u);
  auto out = parse_address("0x100", 256);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message,
            "memory-goto: address 0x100 is out of range: memory is 256 bytes (0x0..0xff)");
  auto bad = parse_address("zz", 256);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("expected an address"), std::string::npos);
  EXPECT_FALSE(parse_address("", 256));
  EXPECT_FALSE(parse_address("0", 0));
}

TEST(MemoryModel, FollowsTheU32AtTheCursor) {
  auto image = image_of({8, 0, 0, 0, 0xff, 0xff, 0, 0, 0x2a, 0, 0, 0});
  ASSERT_TRUE(follow_pointer(image, 0));
  EXPECT_EQ(*follow_pointer(image, 0), 8u);
  auto past = follow_pointer(image, 4);
  ASSERT_FALSE(past);
  EXPECT_NE(past.error().message.find("0xffff, past the end of memory (12 bytes)"),
            std::string::npos)
      << past.error().message;
  EXPECT_FALSE(follow_pointer(image, 10));
}

TEST(MemoryModel, SearchReadsHexOrTextAndWraps) {
  EXPECT_TRUE(parse_search("de ad be ef")->hex);
  EXPECT_EQ(parse_search("de ad be ef")->bytes, (std::vector<uint8_t>{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_EQ(parse_search("0xdeadbeef")->bytes, (std::vector<uint8_t>{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_EQ(parse_search("hex:ab")->bytes, (std::vector<uint8_t>{0xab}));
  EXPECT_FALSE(parse_search("cafe")->hex);  // one group: text
  EXPECT_EQ(parse_search("cafe")->bytes, (std::vector<uint8_t>{'c', 'a', 'f', 'e'}));
  EXPECT_FALSE(parse_search("text:de ad")->hex);
  EXPECT_EQ(parse_search("text:de ad")->bytes.size(), 5u);
  EXPECT_FALSE(parse_search("hex:xyz"));
  EXPECT_FALSE(parse_search(""));

  std::vector<uint8_t> bytes(64, 0);
  const uint8_t word[] = {0xde, 0xad, 0xbe, 0xef};
  for (size_t at : {3u, 20u, 60u}) std::memcpy(bytes.data() + at, word, 4);
  auto image = image_of(bytes);
  auto hits = find_all(image, {0xde, 0xad, 0xbe, 0xef});
  EXPECT_EQ(hits, (std::vector<uint32_t>{3, 20, 60}));
  EXPECT_EQ(*next_hit(hits, 3, true), 20u);
  EXPECT_EQ(*next_hit(hits, 60, true), 3u);  // wraps
  EXPECT_EQ(*next_hit(hits, 20, false), 3u);
  EXPECT_EQ(*next_hit(hits, 3, false), 60u);  // wraps back
  EXPECT_FALSE(next_hit({}, 0, true));
  // Overlapping matches all count.
  EXPECT_EQ(find_all(image_of({1, 1, 1}), {1, 1}), (std::vector<uint32_t>{0, 1}));
  // At most kMaxSearchHits.
  auto zeros = image_of(std::vector<uint8_t>(kMaxSearchHits + 50, 0));
  EXPECT_EQ(find_all(zeros, {0}).size(), kMaxSearchHits);
}

TEST(MemoryModel, CopiesHexAndTextAndRefusesOverTheLimit) {
  auto image = image_of({'G', 'E', 'T', '\n', 0x00, 0xff});
  EXPECT_EQ(*copy_hex(image, {0, 4}), "47 45 54 0a");
  EXPECT_EQ(*copy_text(image, {0, 5}), "GET\\x0a\\x00");
  EXPECT_FALSE(copy_hex(image, {4, 7}));
  EXPECT_FALSE(copy_text(image, {2, 2}));
  auto big = image_of(std::vector<uint8_t>(kMaxCopyBytes + 16, 'a'));
  EXPECT_TRUE(copy_text(big, {0, static_cast<uint32_t>(kMaxCopyBytes)}));
  auto refused = copy_hex(big, {0, static_cast<uint32_t>(kMaxCopyBytes + 1)});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("copying takes at most 1048576 bytes"), std::string::npos);
}

TEST(MemoryModel, ChangedRangesMergeAndAnswerLookups) {
  debugger::PauseInfo pause;
  pause.changed_ranges = {{40, 48}, {4, 8}, {8, 10}, {100, 101}};
  RangeSet changed = changed_bytes(pause);
  EXPECT_EQ(changed.ranges(), (std::vector<ByteRange>{{4, 10}, {40, 48}, {100, 101}}));
  EXPECT_EQ(changed.bytes(), 15u);
  EXPECT_FALSE(changed.contains(3));
  EXPECT_TRUE(changed.contains(4));
  EXPECT_TRUE(changed.contains(9));
  EXPECT_FALSE(changed.contains(10));
  EXPECT_TRUE(changed.contains(100));
  EXPECT_FALSE(changed.contains(101));
}

host::TraceEvent copy_event(uint64_t seq, uint32_t address, std::string bytes, std::string label) {
  host::TraceEvent event;
  event.seq = seq;
  event.kind = host::EventKind::Copy;
  event.address = address;
  event.length = static_cast<uint32_t>(bytes.size());
  event.preview = std::move(bytes);
  event.label = std::move(label);
  return event;
}

host::TraceEvent named(uint64_t seq, host::EventKind kind, std::string name) {
  host::TraceEvent event;
  event.seq = seq;
  event.kind = kind;
  event.name = std::move(name);
  return event;
}

TEST(MemoryModel, ARunShowsWhatItsCopiesCarriedAndTheSelectedEventsRegions) {
  std::vector<host::TraceEvent> trace;
  trace.push_back(named(1, host::EventKind::Callback, "proxy_on_request_headers"));
  trace.push_back(named(2, host::EventKind::HostCall, "proxy_get_header_map_value"));
  trace.push_back(copy_event(3, 0x100, ":path", "key :path"));
  trace.push_back(copy_event(4, 0x200, "/x", "value returned for :path"));
  trace.push_back(named(5, host::EventKind::HostCall, "proxy_log"));
  trace.push_back(copy_event(6, 0x300, "hello", "message"));
  host::TraceEvent grow = named(7, host::EventKind::Memory, "memory_grow");
  grow.args = {{"from_pages", "17"}, {"to_pages", "18"}};
  trace.push_back(grow);

  auto image = image_of_copies(trace);
  EXPECT_FALSE(image.whole);
  EXPECT_EQ(image.size(), 0x305u);
  EXPECT_TRUE(image.is_known(0x200));
  EXPECT_FALSE(image.is_known(0x202));
  EXPECT_FALSE(image.is_known(0x0));
  EXPECT_EQ(*copy_text(image, {0x200, 0x202}), "/x");
  auto rows = rows_at(image, 0x200);
  EXPECT_EQ(rows["u16"].value, "30767");  // "/x"
  EXPECT_EQ(rows["u32"].error, "bytes not recorded");
  EXPECT_FALSE(copy_text(image, {0x200, 0x203}));
  // Unknown bytes never match.
  EXPECT_TRUE(find_all(image, {0, 0}).empty());
  EXPECT_EQ(find_all(image, {'/', 'x'}), (std::vector<uint32_t>{0x200}));

  auto of_call = regions_of_trace(trace, 2);  // the host call: its two copies
  ASSERT_EQ(of_call.size(), 2u);
  EXPECT_EQ(of_call[1].label, "value returned for :path");
  EXPECT_EQ(of_call[1].colour, 1u);
  EXPECT_EQ(regions_of_trace(trace, 6).size(), 1u);             // a copy: itself
  EXPECT_EQ(regions_of_trace(trace, std::nullopt).size(), 3u);  // nothing picked: all
  EXPECT_EQ(region_at(of_call, 0x201)->label, "value returned for :path");
  EXPECT_EQ(region_at(of_call, 0x202), nullptr);

  auto growth = growth_history(trace);
  ASSERT_EQ(growth.size(), 1u);
  EXPECT_EQ(growth[0].from_bytes, 17u * 65536);
  EXPECT_EQ(growth[0].to_bytes, 18u * 65536);
  EXPECT_EQ(growth[0].callback, "proxy_on_request_headers");
}

std::shared_ptr<debugger::PauseInfo> fake_pause(uint64_t id) {
  auto pause = std::make_shared<debugger::PauseInfo>();
  pause->id = id;
  pause->worker = "session";
  pause->plugin = "fake";
  auto bytes = std::make_shared<std::vector<uint8_t>>(4096, 0);
  const std::string path = "/index.html";
  std::memcpy(bytes->data() + 0x400, path.data(), path.size());
  (*bytes)[0x10] = 0x00;
  (*bytes)[0x11] = 0x04;  // u32 at 0x10 = 0x400
  pause->memory = bytes;
  pause->event_regions.push_back({0x400, static_cast<uint32_t>(path.size()),
                                  "value returned for :path", host::CopyDirection::HostToVm, 9});
  pause->callback_regions = pause->event_regions;
  pause->callback_regions.push_back(
      {0x800, 32, "request headers, 2 pairs", host::CopyDirection::HostToVm, 5});
  pause->changed_ranges = {{0x400, 0x40b}};
  return pause;
}

TEST(MemoryView, FollowsThePauseAndRunsItsCommands) {
  Snapshot snapshot;
  snapshot.state = debugger::SessionState::Paused;
  snapshot.pause = fake_pause(1);
  Workspace workspace;
  ViewState view;
  view.observe(snapshot, workspace);
  EXPECT_TRUE(view.image().whole);
  EXPECT_EQ(view.image().size(), 4096u);
  ASSERT_EQ(view.regions().size(), 2u);  // the event's region once, then the callback's other
  EXPECT_EQ(view.regions()[1].label, "request headers, 2 pairs");
  EXPECT_EQ(view.cursor(), 0x400u);  // the first region
  EXPECT_EQ(view.take_scroll(), 0x400u);
  EXPECT_FALSE(view.take_scroll());  // taken once
  EXPECT_TRUE(view.changed().contains(0x40a));
  EXPECT_NE(view.source().find("pause #1"), std::string::npos);

  ASSERT_TRUE(view.go_to("0x10"));
  EXPECT_EQ(view.cursor(), 0x10u);
  ASSERT_TRUE(view.follow_pointer());
  EXPECT_EQ(view.cursor(), 0x400u);
  EXPECT_FALSE(view.go_to("0x1000"));
  EXPECT_EQ(view.cursor(), 0x400u);  // an error moves nothing

  ASSERT_TRUE(view.select_region("headers"));
  EXPECT_EQ(view.cursor(), 0x800u);
  EXPECT_EQ(view.selection(), (ByteRange{0x800, 0x820}));
  ASSERT_TRUE(view.select_region("1"));
  EXPECT_EQ(view.selection(), (ByteRange{0x400, 0x40b}));
  EXPECT_EQ(*view.copy(false), "/index.html");
  EXPECT_FALSE(view.select_region("3"));
  EXPECT_FALSE(view.select_region("nothing like it"));

  view.set_cursor(0);
  ASSERT_TRUE(view.search("index"));
  EXPECT_EQ(view.cursor(), 0x401u);
  EXPECT_EQ(*view.copy(true), "69 6e 64 65 78");
  EXPECT_FALSE(view.search("not there"));
  view.set_cursor(0x20);
  view.set_cursor(0x23, /*extend=*/true);  // shift-click
  EXPECT_EQ(view.selection(), (ByteRange{0x20, 0x24}));

  // A new pause keeps the cursor where it was.
  snapshot.pause = fake_pause(2);
  view.observe(snapshot, workspace);
  EXPECT_EQ(view.pause_id(), 2u);
  EXPECT_EQ(view.cursor(), 0x23u);
}

using test_support::sample;

// add_header.wasm paused at proxy_get_header_map_value: the memory-* commands through the
// command table show the value the host copied into the VM, where the region says it is.
TEST(MemoryView, CommandsOverARealPause) {
  if (!std::filesystem::exists(sample("add_header.wasm")))
    GTEST_SKIP() << "build the pwplay_samples target first";
  debugger::Session session;
  Workspace workspace;
  workspace.filter.wasm_path = sample("add_header.wasm");
  auto breakpoint = debugger::breakpoint_from_text("proxy_get_header_map_value");
  ASSERT_TRUE(breakpoint) << breakpoint.error().message;
  session.add_breakpoint(*breakpoint);
  auto request = debugger::load_request_file(PWPLAY_SOURCE_DIR "/samples/requests/get.json");
  ASSERT_TRUE(request);
  ASSERT_TRUE(send_request(session, workspace, *request, debugger::Pausing::On));
  ASSERT_EQ(session.wait(60s), debugger::SessionState::Paused);

  ViewState view;
  Commands commands;
  int shown = 0;
  std::string clipboard;
  register_memory_commands(commands, view, session, workspace,
                           {[&] { ++shown; }, [&](const std::string& text) { clipboard = text; }});
  ASSERT_TRUE(commands.run("memory-select-region", CommandSource::Automation, "value returned"));
  EXPECT_EQ(shown, 1);
  EXPECT_GT(view.image().size(), 65536u);  // the whole linear memory
  const Region* value = nullptr;
  for (const auto& region : view.regions())
    if (region.label == "value returned for :method") value = &region;
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(view.cursor(), value->address);
  ASSERT_TRUE(commands.run("memory-copy-text", CommandSource::Automation));
  EXPECT_EQ(clipboard, "GET");

  char address[16];
  std::snprintf(address, sizeof(address), "0x%x", value->address + 1);
  ASSERT_TRUE(commands.run("memory-goto", CommandSource::Automation, address));
  EXPECT_EQ(view.cursor(), value->address + 1);
  auto json = summarize_memory(view);
  EXPECT_EQ(json["cursor"], value->address + 1);
  EXPECT_EQ(json["inspector"]["u8"], "69");  // 'E'
  ASSERT_FALSE(commands.run("memory-goto", CommandSource::Automation, "0xffffffff"));
  EXPECT_NE(view.message.find("out of range"), std::string::npos);
  EXPECT_TRUE(view.message_is_error);
  ASSERT_TRUE(commands.run("memory-search", CommandSource::Automation, "text:GET"));
  EXPECT_FALSE(view.hits().empty());
  EXPECT_TRUE(commands.run("memory-search-next", CommandSource::Automation));
  EXPECT_TRUE(commands.run("memory-search-previous", CommandSource::Automation));
  (void)commands.run("memory-follow-pointer", CommandSource::Automation);  // either way, no crash
  EXPECT_TRUE(commands.run("show-memory", CommandSource::Automation));

  // The next pause (the :path lookup): what the filter wrote since shows as changed.
  ASSERT_TRUE(session.resume(debugger::ResumeMode::Continue));
  ASSERT_EQ(session.wait(60s), debugger::SessionState::Paused);
  view.observe(*session.snapshot(), workspace);
  EXPECT_GT(view.changed().bytes(), 0u);
  session.run_to_end(60s);
}

}  // namespace
}  // namespace pwplay::gui::memory
