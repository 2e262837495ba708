// The one-line event formatter and printable() (host/trace.h) that the terminal debugger, the
// app's Trace and Debugger tabs, run comparisons and the host's trace notes share.
#include <gtest/gtest.h>

#include <string>

#include "host/trace.h"

namespace pwplay::host {
namespace {

TEST(EventLine, OneFormatterForTheDebuggerTheTraceAndComparisons) {
  TraceEvent call;
  call.kind = EventKind::HostCall;
  call.name = "proxy_get_header_map_value";
  call.args = {{"map_type", "HTTP_REQUEST_HEADERS"}, {"key", ":path"}, {"key_data", "1024"}};
  call.result = "NOT_FOUND";
  call.injected = true;
  EXPECT_EQ(event_line(call),
            "hostcall proxy_get_header_map_value(map_type=HTTP_REQUEST_HEADERS, key=:path, "
            "key_data=1024) -> NOT_FOUND [injected]");
  EventLineOptions words;
  words.style = EventLineOptions::Style::Words;
  words.mark_injected = false;
  words.skip = [](const TraceField& field) { return field.name == "key_data"; };
  EXPECT_EQ(event_line(call, words),
            "hostcall proxy_get_header_map_value map_type=HTTP_REQUEST_HEADERS key=:path -> "
            "NOT_FOUND");

  TraceEvent exit;
  exit.kind = EventKind::Callback;
  exit.name = "proxy_on_request_headers";
  exit.phase = "exit";
  exit.result = "Continue";
  EXPECT_EQ(event_line(exit), "callback proxy_on_request_headers (exit)() -> Continue");
  EXPECT_EQ(event_line(exit, words), "callback proxy_on_request_headers exit -> Continue");

  TraceEvent copy;
  copy.kind = EventKind::Copy;
  copy.direction = CopyDirection::VmToHost;
  copy.address = 0x10;
  copy.length = 13;
  copy.label = "key x-wasm-filter";
  EXPECT_EQ(event_arguments(copy), "vm -> host 13 B @ 0x10  key x-wasm-filter");

  TraceEvent log;
  log.kind = EventKind::Log;
  log.name = "info";
  log.args = {{"message", std::string("a\nb\x01") + std::string(100, 'z')}};
  EXPECT_EQ(event_arguments(log, 6), "message=a\\x0ab\\x01zz...");  // 6 bytes in
  EXPECT_EQ(format_fields({{"a", "1"}, {"b", "2"}}), "a=1, b=2");
}

TEST(Printable, EscapesBytesAndCutsLongValues) {
  EXPECT_EQ(printable("plain text"), "plain text");
  EXPECT_EQ(printable(std::string("\x00\xff\t", 3)), "\\x00\\xff\\x09");
  EXPECT_EQ(printable("abcdef", 4), "abcd...");
  EXPECT_EQ(printable("abcd", 4), "abcd");
  EXPECT_EQ(printable(std::string(300, 'x')), std::string(256, 'x') + "...");
}

}  // namespace
}  // namespace pwplay::host
