// Traces in Chrome's trace event format (debugger/formats/chrome_trace.h), from `pwplay run
// --trace-out`, the debugger's export-trace and the app's File > Export trace: the file is the
// JSON object Perfetto opens, and every host call, copy and log sits inside the callback that
// made it, on the same track.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "debugger/commands.h"
#include "support/cli.h"
#include "support/session_support.h"

namespace pwplay::testing {
namespace {

using nlohmann::json;

json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

struct Shape {
  size_t callbacks = 0;
  size_t host_calls = 0;
  size_t copies = 0;
  std::set<std::string> names;
};

// Checks the structure Perfetto needs and that work nests in its callback; returns counts.
Shape check_trace(const json& trace) {
  Shape shape;
  EXPECT_TRUE(trace.is_object());
  EXPECT_EQ(trace["displayTimeUnit"], "ns");
  const json& events = trace["traceEvents"];
  EXPECT_TRUE(events.is_array());
  struct Span {
    double from, to;
  };
  std::map<std::pair<int, uint64_t>, std::vector<Span>> callbacks;
  bool named_process = false;
  for (const json& event : events) {
    for (const char* key : {"ph", "pid", "tid"}) EXPECT_TRUE(event.contains(key)) << event;
    const std::string ph = event["ph"];
    if (ph == "M") {
      named_process |=
          event["name"] == "process_name" && event["args"]["name"] == "plugin add_header";
      continue;
    }
    EXPECT_TRUE(event["ts"].is_number()) << event;
    shape.names.insert(event["name"].get<std::string>());
    if (ph == "X" && event["cat"] == "callback") {
      ++shape.callbacks;
      const double ts = event["ts"], dur = event["dur"];
      callbacks[{event["pid"], event["tid"]}].push_back({ts, ts + dur});
    }
  }
  EXPECT_TRUE(named_process);
  // Every host call and copy lies within a callback on its own track.
  for (const json& event : events) {
    const std::string ph = event["ph"];
    const bool host_call = ph == "X" && event["cat"] == "hostcall";
    const bool copy = ph == "i" && event["cat"] == "copy";
    if (!host_call && !copy) continue;
    shape.host_calls += host_call;
    shape.copies += copy;
    const double from = event["ts"];
    const double to = from + (host_call ? event["dur"].get<double>() : 0.0);
    bool inside = false;
    for (const Span& span : callbacks[{event["pid"], event["tid"]}])
      inside |= span.from <= from + 1e-3 && to <= span.to + 1e-3;
    EXPECT_TRUE(inside) << "outside every callback of its track: " << event;
  }
  return shape;
}

TEST(TraceExport, RunWritesAChromeTraceWithWorkNestedInItsCallbacks) {
  UniqueTempDir dir;
  const std::string out = dir.file("trace.json");
  CommandResult result = run_pwplay(
      {"run", sample("add_header"), "--request", request_file("get.json"), "--trace-out", out});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const Shape shape = check_trace(read_json(out));
  // add_header: the root's start-up, the request's and the response's callbacks.
  EXPECT_GE(shape.callbacks, 5u);
  EXPECT_GE(shape.host_calls, 4u);
  EXPECT_GE(shape.copies, 8u);
  for (const char* name : {"proxy_on_request_headers", "proxy_on_response_headers",
                           "proxy_add_header_map_value", "stream_start", "stream_end"})
    EXPECT_TRUE(shape.names.count(name)) << name;

  // The two switches contradict each other: a usage error, and no file.
  CommandResult both =
      run_pwplay({"run", sample("add_header"), "--request", request_file("get.json"), "--no-trace",
                  "--trace-out", dir.file("none.json")});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("--trace-out"), std::string::npos) << both.err;
}

TEST(TraceExport, TheDebuggersExportTraceWritesTheSessionsEvents) {
  debugger::Session session;
  debugger::VerbContext context;
  context.default_request = []() -> Result<debugger::NamedRequest> {
    return debugger::NamedRequest{.name = "get.json", .request = get_request()};
  };
  UniqueTempDir dir;
  const std::string out = dir.file("debug-trace.json");
  auto empty = debugger::run_line(session, context, "export-trace " + out);
  ASSERT_FALSE(empty);
  EXPECT_NE(debugger::failure_text(empty.error()).find("the trace is empty"), std::string::npos);
  ASSERT_TRUE(session.load(filter("add_header")).ok());
  ASSERT_TRUE(debugger::run_line(session, context, "send"));
  auto written = debugger::run_line(session, context, "export-trace " + out);
  ASSERT_TRUE(written) << debugger::failure_text(written.error());
  EXPECT_NE(written->find("events to " + out), std::string::npos) << *written;
  const Shape shape = check_trace(read_json(out));
  EXPECT_TRUE(shape.names.count("proxy_on_request_headers"));
  EXPECT_GE(shape.host_calls, 4u);
}

}  // namespace
}  // namespace pwplay::testing
