// The debugger core driven headless: breakpoints with conditions, stepping event by event,
// labelled memory regions and snapshots, fault injection, history, replay, comparison and hot
// reload, on the built sample filters.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "debugger/session.h"
#include "support/cli.h"
#include "support/engines.h"
#include "support/session_support.h"

namespace pwplay::testing {
namespace {

using debugger::ResumeMode;
using debugger::Session;

std::string arg(const host::TraceEvent& event, const std::string& name) {
  for (const auto& a : event.args)
    if (a.name == name) return a.value;
  return "<absent>";
}

// The session's behaviour is the same on every engine. The native engine runs the C++ samples
// built as shared objects: tests of a WAT sample skip on it, and so do those that need what native
// code has not got (a linear memory to snapshot, wasm instructions to step).
class SessionOnEngine : public ::testing::TestWithParam<std::string> {};

TEST_P(SessionOnEngine, ConditionalBreakpointShowsDecodedArgumentsRegionsAndMemory) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  uint32_t id = add_breakpoint(session, "proxy_add_header_map_value", "key == x-wasm-filter");
  session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  auto pause = session.pause();
  ASSERT_TRUE(pause.has_value());
  EXPECT_EQ(pause->breakpoint, id);
  EXPECT_EQ(pause->event.name, "proxy_add_header_map_value");
  EXPECT_EQ(arg(pause->event, "map_type"), "HTTP_REQUEST_HEADERS");
  EXPECT_EQ(arg(pause->event, "key"), "x-wasm-filter");
  EXPECT_EQ(arg(pause->event, "value"), "add-header");
  EXPECT_EQ(pause->event.result, "OK");
  // The ABI stack: the callback, then the host call it is making.
  ASSERT_EQ(pause->frames.size(), 2u);
  EXPECT_EQ(pause->frames[0].name, "proxy_on_request_headers");
  EXPECT_EQ(pause->frames[1].name, "proxy_add_header_map_value");
  // The key and the value were copied out of VM memory; the snapshot holds those bytes.
  ASSERT_EQ(pause->event_regions.size(), 2u);
  EXPECT_EQ(pause->event_regions[0].label, "key x-wasm-filter");
  EXPECT_EQ(pause->event_regions[1].label, "value for x-wasm-filter");
  ASSERT_TRUE(pause->memory);
  if (GetParam() == "native") {
    // Native code has no linear memory: the snapshot is empty, the regions name host addresses.
    EXPECT_TRUE(pause->memory->empty());
  } else {
    const auto& key_region = pause->event_regions[0];
    ASSERT_LE(key_region.address + key_region.length, pause->memory->size());
    std::string key_bytes(pause->memory->begin() + key_region.address,
                          pause->memory->begin() + key_region.address + key_region.length);
    EXPECT_EQ(key_bytes, "x-wasm-filter");
  }
  // The mutation is visible in the stream while paused, and the callback's earlier copies too.
  ASSERT_TRUE(pause->request_headers.has_value());
  EXPECT_EQ(header(*pause->request_headers, "x-wasm-filter"), "add-header");
  EXPECT_EQ(header(pause->client_request_headers, "x-wasm-filter"), "<absent>");
  bool saw_path = false;
  for (const auto& region : pause->callback_regions)
    if (region.label == "value returned for :path") saw_path = true;
  EXPECT_TRUE(saw_path);

  ASSERT_TRUE(session.resume(ResumeMode::Step));
  ASSERT_EQ(session.wait(), Session::State::Paused);
  EXPECT_EQ(session.pause()->where, host::PausePoint::Where::CallbackExit);
  EXPECT_EQ(session.pause()->event.name, "proxy_on_request_headers");
  ASSERT_TRUE(session.resume(ResumeMode::Continue));
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto history = session.history();
  ASSERT_EQ(history.size(), 1u);
  ASSERT_TRUE(history[0].report.upstream_request.has_value());
  EXPECT_EQ(header(history[0].report.upstream_request->headers, "x-wasm-filter"), "add-header");
  EXPECT_EQ(session.breakpoints()[0].hits, 1u);
}

TEST_P(SessionOnEngine, ConditionThatDoesNotHoldNeverPauses) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  add_breakpoint(session, "proxy_add_header_map_value", "key == x-not-added");
  session.send(get_request());
  EXPECT_EQ(session.wait(), Session::State::Idle);
  EXPECT_EQ(session.breakpoints()[0].hits, 0u);
}

TEST_P(SessionOnEngine, SteppingVisitsEveryAbiEventInOrder) {
  PWPLAY_REQUIRE_SAMPLE("add_header_wat", GetParam());
  Session session;
  ASSERT_TRUE(session.load(filter("add_header_wat", GetParam())).ok());
  add_breakpoint(session, "proxy_on_request_headers");
  session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  std::vector<std::string> seen;
  auto where = [](host::PausePoint::Where w) {
    switch (w) {
      case host::PausePoint::Where::CallbackEnter:
        return "enter";
      case host::PausePoint::Where::CallbackExit:
        return "exit";
      case host::PausePoint::Where::HostCallDone:
        return "call";
      case host::PausePoint::Where::Trap:
        return "trap";
      case host::PausePoint::Where::Instruction:
        return "instruction";
    }
    return "?";
  };
  while (session.state() == Session::State::Paused) {
    auto pause = session.pause();
    seen.push_back(std::string(where(pause->where)) + " " + pause->event.name);
    session.resume(ResumeMode::Step);
    session.wait();
    ASSERT_LT(seen.size(), 50u);
  }
  std::vector<std::string> expected = {"enter proxy_on_request_headers",
                                       "call proxy_add_header_map_value",
                                       "exit proxy_on_request_headers",
                                       "enter proxy_on_response_headers",
                                       "call proxy_add_header_map_value",
                                       "exit proxy_on_response_headers",
                                       "enter proxy_on_done",
                                       "exit proxy_on_done"};
  EXPECT_EQ(seen, expected);
}

TEST_P(SessionOnEngine, NextStepsOverTheCurrentCallback) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  add_breakpoint(session, "proxy_on_request_headers");
  session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  ASSERT_TRUE(session.resume(ResumeMode::Next));
  ASSERT_EQ(session.wait(), Session::State::Paused);
  auto pause = session.pause();
  EXPECT_EQ(pause->where, host::PausePoint::Where::CallbackExit);
  EXPECT_EQ(pause->event.name, "proxy_on_request_headers");
  EXPECT_EQ(pause->event.result, "Continue");
  ASSERT_TRUE(session.resume(ResumeMode::Next));
  ASSERT_EQ(session.wait(), Session::State::Paused);
  EXPECT_EQ(session.pause()->where, host::PausePoint::Where::CallbackEnter);
  EXPECT_EQ(session.pause()->event.name, "proxy_on_response_headers");
  ASSERT_TRUE(session.resume(ResumeMode::Finish));
  EXPECT_EQ(session.wait(), Session::State::Idle);
}

TEST_P(SessionOnEngine, SnapshotsShowTheBytesAHostCallWrote) {
  if (GetParam() == "native")
    GTEST_SKIP() << "native filters have no linear memory to snapshot (their addresses are the "
                    "host's)";
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  add_breakpoint(session, "proxy_on_request_headers");
  add_breakpoint(session, "proxy_get_header_map_value", "key == :path");
  session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  session.resume(ResumeMode::Continue);
  ASSERT_EQ(session.wait(), Session::State::Paused);
  auto pause = session.pause();
  EXPECT_EQ(arg(pause->event, "value"), "/hello");
  ASSERT_EQ(pause->event_regions.size(), 2u);
  const auto& returned = pause->event_regions[1];
  EXPECT_EQ(returned.label, "value returned for :path");
  EXPECT_EQ(returned.direction, host::CopyDirection::HostToVm);
  std::string bytes(pause->memory->begin() + returned.address,
                    pause->memory->begin() + returned.address + returned.length);
  EXPECT_EQ(bytes, "/hello");
  bool covered = false;
  for (const auto& [begin, end] : pause->changed_ranges)
    if (begin <= returned.address && end >= returned.address + 1) covered = true;
  EXPECT_TRUE(covered) << "the copied value is among the bytes changed since the previous pause";
  session.resume(ResumeMode::Finish);
  EXPECT_EQ(session.wait(), Session::State::Idle);
}

TEST_P(SessionOnEngine, TrapBreakpoint) {
  PWPLAY_REQUIRE_SAMPLE("trap", GetParam());
  {
    Session session;
    ASSERT_TRUE(session.load(filter("trap", GetParam())).ok());
    add_breakpoint(session, "trap");
    session.send(get_request());
    ASSERT_EQ(session.wait(), Session::State::Paused);
    EXPECT_EQ(session.pause()->event.kind, host::EventKind::Trap);
    EXPECT_NE(arg(session.pause()->event, "message").find("unreachable"), std::string::npos);
    session.resume(ResumeMode::Continue);
    EXPECT_EQ(session.wait(), Session::State::Idle);
  }
}

TEST_P(SessionOnEngine, LogBreakpointStopsAtTheLevelAndAbove) {
  PWPLAY_REQUIRE_SAMPLE("log_levels", GetParam());
  {
    Session session;
    ASSERT_TRUE(session.load(filter("log_levels", GetParam())).ok());
    add_breakpoint(session, "log error");
    session.send(get_request());
    ASSERT_EQ(session.wait(), Session::State::Paused);
    EXPECT_EQ(session.pause()->event.name, "proxy_log");
    EXPECT_EQ(arg(session.pause()->event, "message"), "error msg");
    session.resume(ResumeMode::Continue);
    ASSERT_EQ(session.wait(), Session::State::Paused);  // critical is above error too
    EXPECT_EQ(arg(session.pause()->event, "message"), "critical msg");
    session.resume(ResumeMode::Continue);
    EXPECT_EQ(session.wait(), Session::State::Idle);
  }
}

TEST_P(SessionOnEngine, LocalResponseBreakpointWithACondition) {
  {
    Session session;
    ASSERT_TRUE(session.load(filter("local_response", GetParam())).ok());
    add_breakpoint(session, "local_response", "status_code == 401");
    session.send(get_request());
    ASSERT_EQ(session.wait(), Session::State::Paused);
    EXPECT_EQ(arg(session.pause()->event, "body"), "missing authorization\\x0a");
    session.resume(ResumeMode::Continue);
    EXPECT_EQ(session.wait(), Session::State::Idle);
  }
}

TEST_P(SessionOnEngine, FaultInjectionChangesTheFilterAndIsMarked) {
  Session session;
  ASSERT_TRUE(session.load(filter("http_callout", GetParam())).ok());
  auto request = debugger::load_request_file(request_file("callout.json"));
  ASSERT_TRUE(request.ok());
  uint64_t first = session.send(*request);
  ASSERT_EQ(session.wait(), Session::State::Idle);
  ASSERT_TRUE(session.inject("proxy_http_call", abi::Status::BadArgument).ok());
  uint64_t second = session.replay(first);
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto before = session.history_entry(first);
  auto after = session.history_entry(second);
  ASSERT_TRUE(before && after);
  EXPECT_EQ(before->report.response->status, 200u);
  EXPECT_EQ(after->report.response->status, 403u);
  bool marked = false;
  for (const auto& event : after->trace)
    if (event.name == "proxy_http_call" && event.injected && event.result == "BAD_ARGUMENT")
      marked = true;
  EXPECT_TRUE(marked);
  auto diff = session.compare(first, second);
  ASSERT_TRUE(diff.has_value());
  ASSERT_FALSE(diff->outcome.empty());
  EXPECT_EQ(diff->outcome[0], "status: 200 -> 403");
  EXPECT_FALSE(diff->trace.empty());
  // Same request, same build, no injection: no difference at all.
  session.clear_injections();
  uint64_t third = session.replay(first);
  ASSERT_EQ(session.wait(), Session::State::Idle);
  EXPECT_TRUE(session.compare(first, third)->same());
}

TEST_P(SessionOnEngine, FailingAllocatorIsVisibleToTheFilter) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  session.fail_allocations(true);
  uint64_t id = session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto entry = session.history_entry(id);
  bool failed_copy = false;
  for (const auto& event : entry->trace)
    if (event.name == "proxy_get_header_map_value" && event.result == "INVALID_MEMORY_ACCESS")
      failed_copy = true;
  EXPECT_TRUE(failed_copy);
}

TEST_P(SessionOnEngine, AbortStopsAPausedStream) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  add_breakpoint(session, "proxy_get_header_map_value");
  uint64_t id = session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  ASSERT_TRUE(session.resume(ResumeMode::Abort));
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto entry = session.history_entry(id);
  ASSERT_TRUE(entry.has_value());
  EXPECT_FALSE(entry->report.upstream_request.has_value());
  ASSERT_TRUE(entry->failure.has_value());
  EXPECT_EQ(entry->failure->fault, host::VmFault::Terminated);
  // The next request gets a fresh VM and goes through.
  session.remove_breakpoint(1);
  uint64_t next = session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Idle);
  EXPECT_EQ(session.history_entry(next)->report.response->status, 200u);
}

// The trap event an aborted stream ends with: its message, or "<no trap>".
std::string trap_message(const debugger::HistoryEntry& entry) {
  for (const auto& event : entry.trace)
    if (event.kind == host::EventKind::Trap) return arg(event, "message");
  return "<no trap>";
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// Abort at a host call: the call traps (nothing after it runs, the request never reaches the
// upstream, the fail policy answers) on every engine, and compare reports the difference.
TEST_P(SessionOnEngine, AbortAtAHostCallEndsTheStreamAsATrapAndCompareSaysSo) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  const uint64_t plain = session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Idle);
  add_breakpoint(session, "proxy_add_header_map_value", "key == x-wasm-filter");
  const uint64_t aborted = session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  ASSERT_EQ(session.pause()->where, host::PausePoint::Where::HostCallDone);
  ASSERT_TRUE(session.resume(ResumeMode::Abort));
  ASSERT_EQ(session.wait(), Session::State::Idle);

  auto entry = session.history_entry(aborted);
  ASSERT_TRUE(entry.has_value());
  EXPECT_FALSE(entry->report.upstream_request.has_value()) << "the upstream saw the request";
  ASSERT_TRUE(entry->report.response.has_value());
  EXPECT_EQ(entry->report.response->status, 503u);  // fail closed, as a trap
  ASSERT_TRUE(entry->failure.has_value());
  EXPECT_EQ(entry->failure->fault, host::VmFault::Terminated);
  EXPECT_EQ(trap_message(*entry), "aborted by the user at proxy_add_header_map_value");
  // The trap follows the aborted call: the filter made no host call after it.
  std::vector<std::string> tail;
  bool seen = false;
  for (const auto& event : entry->trace) {
    if (event.kind == host::EventKind::Trap) break;
    if (seen && event.kind == host::EventKind::HostCall) tail.push_back(event.name);
    if (event.kind == host::EventKind::HostCall && event.name == "proxy_add_header_map_value")
      seen = true;
  }
  EXPECT_TRUE(seen);
  EXPECT_TRUE(tail.empty()) << ::testing::PrintToString(tail);

  auto diff = session.compare(plain, aborted);
  ASSERT_TRUE(diff.has_value());
  EXPECT_FALSE(diff->same());
  EXPECT_TRUE(has_line(diff->outcome, "status: 200 -> 503"))
      << ::testing::PrintToString(diff->outcome);
  EXPECT_TRUE(has_line(diff->outcome, "upstream reached: yes -> no"))
      << ::testing::PrintToString(diff->outcome);
  EXPECT_TRUE(has_line(diff->outcome, "filter failure: no -> yes"))
      << ::testing::PrintToString(diff->outcome);

  // The next request gets a fresh VM and goes through.
  session.clear_history();
  ASSERT_TRUE(session.remove_breakpoint(1));
  const uint64_t next = session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Idle);
  ASSERT_TRUE(session.history_entry(next)->report.response.has_value());
  EXPECT_EQ(session.history_entry(next)->report.response->status, 200u);
}

// Abort at a callback's exit drops what it returned: the stream fails as a trap would.
TEST_P(SessionOnEngine, AbortAtACallbackExitFailsTheStream) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  add_breakpoint(session, "proxy_on_request_headers");
  const uint64_t id = session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  for (int i = 0; i < 50; ++i) {
    auto pause = session.pause();
    ASSERT_TRUE(pause.has_value());
    if (pause->where == host::PausePoint::Where::CallbackExit &&
        pause->event.name == "proxy_on_request_headers")
      break;
    ASSERT_TRUE(session.resume(ResumeMode::Step));
    ASSERT_EQ(session.wait(), Session::State::Paused);
  }
  ASSERT_EQ(session.pause()->where, host::PausePoint::Where::CallbackExit);
  ASSERT_TRUE(session.resume(ResumeMode::Abort));
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto entry = session.history_entry(id);
  ASSERT_TRUE(entry.has_value());
  EXPECT_FALSE(entry->report.upstream_request.has_value());
  ASSERT_TRUE(entry->failure.has_value());
  EXPECT_EQ(entry->failure->fault, host::VmFault::Terminated);
  EXPECT_EQ(trap_message(*entry), "aborted by the user at the exit of proxy_on_request_headers");
}

// Abort at a wasm instruction (engines that step): the engine stops the call, and the trap says
// where the user aborted.
TEST_P(SessionOnEngine, AbortAtAnInstructionStopsTheCall) {
  PWPLAY_REQUIRE_SAMPLE("add_header_wat", GetParam());
  Session session;
  ASSERT_TRUE(session.load(filter("add_header_wat", GetParam())).ok());
  if (!session.plugin_info().supports_stepping)
    GTEST_SKIP() << GetParam() << " does not step wasm instructions";
  add_breakpoint(session, "proxy_add_header_map_value");
  const uint64_t id = session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  ASSERT_TRUE(session.step_instruction().ok());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  ASSERT_EQ(session.pause()->where, host::PausePoint::Where::Instruction);
  ASSERT_TRUE(session.resume(ResumeMode::Abort));
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto entry = session.history_entry(id);
  ASSERT_TRUE(entry.has_value());
  EXPECT_FALSE(entry->report.upstream_request.has_value());
  ASSERT_TRUE(entry->failure.has_value());
  EXPECT_EQ(entry->failure->fault, host::VmFault::Terminated);
  EXPECT_EQ(trap_message(*entry),
            "aborted by the user at proxy_on_request_headers (a wasm instruction)");
}

TEST_P(SessionOnEngine, HotReloadPicksUpARebuiltModuleAndDiffsTheReplay) {
  namespace fs = std::filesystem;
  const UniqueTempDir temp;
  const fs::path dir = temp.path();
  // Native: the C++ add_header rebuilt as body_rewrite, which adds no header either.
  const bool native = GetParam() == "native";
  fs::path module = dir / (native ? "filter.so" : "filter.wasm");
  fs::copy_file(native ? sample_for("add_header", "native") : sample("add_header_wat"), module,
                fs::copy_options::overwrite_existing);
  Session session;
  debugger::PluginSpec options;
  options.wasm_path = module.string();
  options.engine = GetParam();
  ASSERT_TRUE(session.load(options).ok());
  session.watch(true, true);
  session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Idle);
  // "Rebuild": the module no longer adds the header.
  fs::path staged = dir / "staged.wasm";
  fs::copy_file(native ? sample_for("body_rewrite", "native") : sample("noop"), staged,
                fs::copy_options::overwrite_existing);
  fs::last_write_time(staged, fs::last_write_time(module) + std::chrono::seconds(2));
  fs::rename(staged, module);
  std::optional<debugger::RunDiff> diff;
  for (int i = 0; i < 300 && !diff; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    session.wait(std::chrono::milliseconds(100));
    diff = session.last_reload_diff();
  }
  ASSERT_TRUE(diff.has_value()) << "the reload and replay did not happen";
  EXPECT_EQ(session.reload_count(), 1u);
  auto snapshot = session.snapshot();
  EXPECT_TRUE(snapshot->watching);
  EXPECT_EQ(snapshot->reload_count, 1u);
  ASSERT_TRUE(snapshot->reload_diff);
  EXPECT_EQ(snapshot->reload_diff->outcome, diff->outcome);
  bool removed = false;
  for (const auto& line : diff->outcome)
    if (line == "upstream header removed x-wasm-filter: add-header") removed = true;
  EXPECT_TRUE(removed);
  session.watch(false);
  EXPECT_EQ(session.history().size(), 2u);
  fs::remove_all(dir);
}

// A request sent with pausing off (the desktop app's Send) runs to its end: breakpoints neither
// stop nor count it, while a debugged request in the same session stops; the snapshot follows.
TEST_P(SessionOnEngine, PlainSendsIgnoreBreakpointsAndTheSnapshotFollowsThePause) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  add_breakpoint(session, "proxy_on_request_headers");
  uint64_t plain = session.send(get_request("/plain"), "", debugger::Pausing::Off);
  ASSERT_EQ(session.wait(), Session::State::Idle);
  EXPECT_EQ(session.breakpoints()[0].hits, 0u);
  ASSERT_TRUE(session.history_entry(plain)->report.upstream_request);

  uint64_t debugged = session.send(get_request("/debugged"));
  ASSERT_EQ(session.wait(), Session::State::Paused);
  auto paused = session.snapshot();
  EXPECT_EQ(paused->state, Session::State::Paused);
  ASSERT_TRUE(paused->pause);
  EXPECT_EQ(paused->pause->id, session.pause()->id);
  EXPECT_EQ(paused->pause->event.name, "proxy_on_request_headers");
  EXPECT_EQ(paused->breakpoints[0].hits, 1u);
  EXPECT_EQ(paused->activity, "debugging GET /debugged");
  // Step leaves a step mode behind; a plain send queued now does not pause in it either.
  uint64_t queued = session.send(get_request("/queued"), "", debugger::Pausing::Off);
  ASSERT_TRUE(session.resume(ResumeMode::Step));
  ASSERT_EQ(session.wait(), Session::State::Paused);
  ASSERT_TRUE(session.resume(ResumeMode::Finish));
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto done = session.snapshot();
  EXPECT_FALSE(done->pause);
  EXPECT_TRUE(done->activity.empty());
  ASSERT_EQ(done->history.size(), 3u);
  EXPECT_EQ(done->history[0]->id, plain);
  EXPECT_EQ(done->history[1]->id, debugged);
  EXPECT_EQ(done->history[2]->id, queued);
  ASSERT_TRUE(done->history[2]->report.upstream_request);
  EXPECT_EQ(done->history[2]->report.upstream_request->path, "/queued");
  EXPECT_EQ(done->breakpoints[0].hits, 1u);
  EXPECT_GT(done->version, paused->version);
}

TEST_P(SessionOnEngine, TraceStoreDropsOldestStreamsPastItsBudget) {
  debugger::SessionOptions options;
  options.trace_budget_bytes = 64 * 1024;
  Session session(options);
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  for (int i = 0; i < 30; ++i) session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Idle);
  EXPECT_GT(session.trace().dropped_streams(), 0u);
  EXPECT_LE(session.trace().bytes(), 64u * 1024 + 16 * 1024);
  EXPECT_EQ(session.history().size(), 30u);
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SessionOnEngine);
INSTANTIATE_TEST_SUITE_P(Session, SessionOnEngine, ::testing::ValuesIn(test::built_engines()),
                         [](const auto& param_info) { return param_info.param; });

TEST(DebugCli, BatchWalksAThirdPartyFilter) {
  std::string batch = write_temp_file("walk.gdb",
                                      "break proxy_add_header_map_value if key == x-wasm-filter\n"
                                      "info breakpoints\n"
                                      "send\n"
                                      "info args\n"
                                      "bt\n"
                                      "regions\n"
                                      "diff\n"
                                      "step\n"
                                      "continue\n"
                                      "diff\n"
                                      "quit\n");
  CommandResult result = run_pwplay(
      {"debug", sample("add_header_as"), "--request", request_file("get.json"), "--batch", batch});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string& out = result.out;
  EXPECT_NE(out.find("Breakpoint 1: hostcall proxy_add_header_map_value if key == x-wasm-filter"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Paused (breakpoint 1"), std::string::npos) << out;
  EXPECT_NE(out.find("  key = x-wasm-filter"), std::string::npos) << out;
  EXPECT_NE(out.find("  value = add-header"), std::string::npos) << out;
  EXPECT_NE(out.find("callback proxy_on_request_headers"), std::string::npos) << out;
  EXPECT_NE(out.find("key x-wasm-filter"), std::string::npos) << out;
  EXPECT_NE(out.find("added x-wasm-filter: add-header"), std::string::npos) << out;
  EXPECT_NE(out.find("Request 1 finished: 200, upstream reached"), std::string::npos) << out;
}

TEST(DebugCli, BadCommandsAndFilesGetClearErrors) {
  std::string batch = write_temp_file("bad.gdb",
                                      "break proxy_on_nothing\n"
                                      "break proxy_log if level\n"
                                      "inject proxy_not_a_call NOT_FOUND\n"
                                      "x 0 16\n"
                                      "frobnicate\n"
                                      "quit\n");
  CommandResult result = run_pwplay({"debug", sample("add_header"), "--batch", batch});
  // Every command but `quit` failed: a batch with a failed command exits 1 (docs/debugger.md).
  ASSERT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("pwplay debug: 5 commands failed"), std::string::npos) << result.err;
  EXPECT_NE(result.out.find("'proxy_on_nothing' is not a proxy-wasm callback or host function"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("is not of the form FIELD OP VALUE"), std::string::npos);
  EXPECT_NE(result.out.find("'proxy_not_a_call' is not a proxy-wasm host function"),
            std::string::npos);
  EXPECT_NE(result.out.find("not paused"), std::string::npos);
  EXPECT_NE(result.out.find("unknown command 'frobnicate'"), std::string::npos);
  CommandResult missing = run_pwplay({"debug", "/nonexistent.wasm", "--batch", batch});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent.wasm: no such file"), std::string::npos);
}

// Numbers in commands are read strictly (decimal or 0x hex, range-checked, no sign): nothing
// wraps around to another breakpoint or address, each refusal names the verb, and the batch
// exits 1.
TEST(DebugCli, BadNumbersAreRefusedAndFailTheBatch) {
  std::string batch = write_temp_file("numbers.gdb",
                                      "break proxy_add_header_map_value\n"
                                      "delete -1\n"
                                      "disable 4294967296\n"
                                      "ignore 1 -5\n"
                                      "ignore 1 0x0\n"
                                      "send\n"
                                      "x abc 16\n"
                                      "x 0x10 -1\n"
                                      "x 0x10 4\n"
                                      "finish\n"
                                      "replay 1.0\n"
                                      "compare 1 0x\n"
                                      "wait -3\n"
                                      "delete 0x1\n"
                                      "quit\n");
  CommandResult result = run_pwplay(
      {"debug", sample("add_header"), "--request", request_file("get.json"), "--batch", batch});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.err.find("pwplay debug: 8 commands failed"), std::string::npos) << result.err;
  const std::string& out = result.out;
  for (const char* line : {
           "error: delete: expected a breakpoint number, got '-1'\n",
           "error: disable: expected a breakpoint number, got '4294967296'\n",
           "error: ignore: expected a count, got '-5'\n",
           "Will ignore the next 0 crossings of breakpoint 1\n",
           "Request 1 finished: 200",
           "error: x: expected an address (16, 0x10), got 'abc'\n",
           "error: x: expected a length (16, 0x10), got '-1'\n",
           "error: replay: expected a request number, got '1.0'\n",
           "error: compare: expected a request number, got '0x'\n",
           "error: wait: expected a number of seconds, got '-3'\n",
           "Breakpoint 1 deleted\n",
       })
    EXPECT_NE(out.find(line), std::string::npos) << "missing: " << line << out;
  // `x 0x10 4` dumps the four bytes at 16, not address 0.
  EXPECT_NE(out.find("\n00000010 "), std::string::npos) << out;
  EXPECT_EQ(out.find("4294967295"), std::string::npos) << out;
  EXPECT_EQ(out.find("\n00000000 "), std::string::npos) << out;
}

// A batch whose every command succeeds exits 0; one failed command is enough to exit 1.
TEST(DebugCli, OneFailedCommandFailsTheBatch) {
  const std::vector<std::string> base = {"debug", sample("add_header"), "--request",
                                         request_file("get.json"), "--batch"};
  std::vector<std::string> good = base;
  good.push_back(write_temp_file("good.gdb", "send\nhistory\nquit\n"));
  CommandResult ok = run_pwplay(good);
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  std::vector<std::string> bad = base;
  bad.push_back(write_temp_file("one_bad.gdb", "send\nhistory\ncompare 1 9\nquit\n"));
  CommandResult failed = run_pwplay(bad);
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_NE(failed.out.find("error: no such requests in the history"), std::string::npos)
      << failed.out;
  EXPECT_NE(failed.err.find("pwplay debug: 1 command failed"), std::string::npos) << failed.err;
}

}  // namespace
}  // namespace pwplay::testing
