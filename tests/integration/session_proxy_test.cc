// The debugger beyond one request at a time: wasm instruction stepping on the WABT engine, and
// the session's proxy — requests from a real HTTP client stopping at the session's breakpoints,
// landing in its history, and one stream held while another completes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "debugger/formats/scenario.h"
#include "debugger/session.h"
#include "support/cli.h"
#include "support/engines.h"
#include "support/http_test_client.h"
#include "support/session_support.h"
#include "support/test_upstream.h"

namespace pwplay::testing {
namespace {

using debugger::ResumeMode;
using debugger::Session;
using namespace std::chrono_literals;

uint16_t start_proxy(Session& session) {
  auto port = session.start_proxy(host::proxy::ProxyOptions{});
  EXPECT_TRUE(port.ok()) << (port.ok() ? "" : port.error().message);
  return port.ok() ? *port : 0;
}

// The session's proxy, history and start-up behave the same on every engine (the native engine
// runs the C++ add_header sample built as a shared object).
class SessionProxyOnEngine : public ::testing::TestWithParam<std::string> {};

TEST(SessionStepping, StepiWalksTheCallbackInstructionByInstruction) {
  PWPLAY_REQUIRE_ENGINE("wabt");
  Session session;
  ASSERT_TRUE(session.load(filter("add_header_wat", "wabt")).ok());
  EXPECT_TRUE(session.plugin_info().supports_stepping);
  add_breakpoint(session, "proxy_add_header_map_value", "key == x-wasm-filter");
  uint64_t id = session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  auto at_call = session.pause();
  ASSERT_TRUE(at_call && at_call->can_step_instructions);

  // The first instruction after the host call returns: its status (OK = 0) is on the stack.
  ASSERT_TRUE(session.step_instruction().ok());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  auto first = session.pause();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->where, host::PausePoint::Where::Instruction);
  EXPECT_EQ(first->reason, "stepi");
  ASSERT_TRUE(first->wasm.has_value());
  EXPECT_EQ(first->wasm->function_name, "proxy_on_request_headers");
  EXPECT_EQ(first->wasm->instruction, "drop");
  ASSERT_EQ(first->wasm->stack.size(), 1u);
  EXPECT_EQ(first->wasm->stack[0].as_u32(), 0u);
  ASSERT_FALSE(first->wasm->local_names.empty());
  EXPECT_EQ(first->wasm->local_names[0], "context_id");
  // Still inside the callback: the ABI frame is there, and memory was snapshotted.
  ASSERT_EQ(first->frames.size(), 1u);
  EXPECT_EQ(first->frames[0].name, "proxy_on_request_headers");
  ASSERT_TRUE(first->memory && !first->memory->empty());
  EXPECT_EQ(first->stream_id, at_call->stream_id);

  ASSERT_TRUE(session.step_instruction().ok());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  auto second = session.pause();
  ASSERT_TRUE(second && second->wasm);
  EXPECT_GT(second->wasm->file_offset, first->wasm->file_offset);
  EXPECT_TRUE(second->wasm->stack.empty());  // `drop` took the status
  EXPECT_GT(second->id, first->id);

  // Back to ABI stepping: the next event is the callback's exit.
  ASSERT_TRUE(session.resume(ResumeMode::Step));
  ASSERT_EQ(session.wait(), Session::State::Paused);
  EXPECT_EQ(session.pause()->where, host::PausePoint::Where::CallbackExit);
  EXPECT_FALSE(session.pause()->wasm.has_value());
  ASSERT_TRUE(session.resume(ResumeMode::Finish));
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto entry = session.history_entry(id);
  ASSERT_TRUE(entry && entry->report.upstream_request);
  EXPECT_EQ(header(entry->report.upstream_request->headers, "x-wasm-filter"), "add-header");
}

TEST(SessionStepping, StepiFromACallbackEntryStopsAtItsFirstInstruction) {
  PWPLAY_REQUIRE_ENGINE("wabt");
  Session session;
  ASSERT_TRUE(session.load(filter("add_header_wat", "wabt")).ok());
  add_breakpoint(session, "proxy_on_response_headers");
  session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  EXPECT_EQ(session.pause()->where, host::PausePoint::Where::CallbackEnter);
  ASSERT_TRUE(session.step_instruction().ok());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  auto pause = session.pause();
  ASSERT_TRUE(pause && pause->wasm);
  EXPECT_EQ(pause->wasm->function_name, "proxy_on_response_headers");
  ASSERT_EQ(pause->wasm->call_stack.size(), 1u);
  EXPECT_TRUE(pause->wasm->stack.empty());
  ASSERT_TRUE(session.resume(ResumeMode::Continue));
  EXPECT_EQ(session.wait(), Session::State::Idle);
}

TEST(SessionStepping, StepiOnV8SaysWhichEngineCan) {
  PWPLAY_REQUIRE_ENGINE("v8");
  Session session;
  ASSERT_TRUE(session.load(filter("add_header_wat")).ok());
  EXPECT_FALSE(session.plugin_info().supports_stepping);
  auto idle = session.step_instruction();
  ASSERT_FALSE(idle.ok());
  EXPECT_EQ(idle.error().message, "not paused");
  add_breakpoint(session, "proxy_add_header_map_value");
  session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  auto refused = session.step_instruction();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("--engine wabt"), std::string::npos)
      << refused.error().message;
  // Still paused where it was.
  EXPECT_EQ(session.state(), Session::State::Paused);
  ASSERT_TRUE(session.resume(ResumeMode::Finish));
  EXPECT_EQ(session.wait(), Session::State::Idle);
}

TEST_P(SessionProxyOnEngine, RequestsThroughTheProxyStopAtBreakpointsAndLandInHistory) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  const uint16_t port = start_proxy(session);
  ASSERT_NE(port, 0);
  EXPECT_EQ(session.proxy_port(), port);
  add_breakpoint(session, "proxy_add_header_map_value", "key == x-wasm-filter");

  auto client =
      std::async(std::launch::async, [port] { return http_request(port, "GET", "/via-proxy"); });
  ASSERT_TRUE(session.wait_for_pause(20s));
  auto pause = session.pause();
  ASSERT_TRUE(pause.has_value());
  EXPECT_EQ(pause->worker, "proxy");
  EXPECT_EQ(pause->event.name, "proxy_add_header_map_value");
  ASSERT_EQ(pause->event_regions.size(), 2u);
  EXPECT_EQ(pause->event_regions[0].label, "key x-wasm-filter");
  // The client's request as it arrived, and the mutation made so far.
  EXPECT_EQ(header(pause->client_request_headers, "x-wasm-filter"), "<absent>");
  ASSERT_TRUE(pause->request_headers.has_value());
  EXPECT_EQ(header(*pause->request_headers, "x-wasm-filter"), "add-header");
  EXPECT_EQ(header(*pause->request_headers, ":path"), "/via-proxy");

  ASSERT_TRUE(session.resume(ResumeMode::Continue));
  HttpResponse response = client.get();
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  // The echo upstream lists the headers it received.
  EXPECT_NE(response.body.find("x-wasm-filter"), std::string::npos) << response.body;

  ASSERT_TRUE(session.wait_for_history(1, 10s));
  auto history = session.history();
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].source, "proxy");
  EXPECT_EQ(history[0].request.request.path, "/via-proxy");
  ASSERT_TRUE(history[0].report.upstream_request.has_value());
  EXPECT_EQ(header(history[0].report.upstream_request->headers, "x-wasm-filter"), "add-header");
  EXPECT_FALSE(history[0].trace.empty());
  // The session's trace store holds the proxy stream's events too.
  EXPECT_FALSE(session.trace().stream_events(history[0].report.stream_id).empty());

  // A proxy request replays through the session's own runner, against the current build.
  session.remove_breakpoint(1);
  uint64_t replayed = session.replay(history[0].id);
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto entry = session.history_entry(replayed);
  ASSERT_TRUE(entry && entry->report.upstream_request);
  EXPECT_EQ(entry->source, "session");
  EXPECT_EQ(entry->report.upstream_request->path, "/via-proxy");
  EXPECT_EQ(header(entry->report.upstream_request->headers, "x-wasm-filter"), "add-header");
  // Streams of both threads are numbered in one sequence.
  EXPECT_NE(entry->report.stream_id, history[0].report.stream_id);
}

// The proxy's events are kept once in the store and moved into the history entry, and the
// snapshot is built when read: nothing the debugger shows may go missing on the way.
TEST_P(SessionProxyOnEngine, EveryProxyEventIsInTheStoreAndInItsHistoryEntry) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  const uint16_t port = start_proxy(session);
  ASSERT_NE(port, 0);
  const uint64_t version_before = session.snapshot()->version;
  constexpr int kRequests = 12;
  for (int i = 0; i < kRequests; ++i) {
    HttpResponse response = http_request(port, "GET", "/r" + std::to_string(i));
    ASSERT_TRUE(response.ok) << response.error;
    EXPECT_EQ(response.status, 200);
  }
  ASSERT_TRUE(session.wait_for_history(kRequests, 10s));

  auto snapshot = session.snapshot();
  EXPECT_GT(snapshot->version, version_before);
  EXPECT_EQ(snapshot->history_count, static_cast<uint64_t>(kRequests));
  ASSERT_EQ(snapshot->history.size(), static_cast<size_t>(kRequests));
  EXPECT_EQ(snapshot->history.back()->request.request.path, "/r" + std::to_string(kRequests - 1));
  auto key = [](const host::TraceEvent& event) {
    return std::string(host::event_kind_name(event.kind)) + " " + event.name + " " + event.phase +
           " " + std::to_string(event.start_ns);
  };
  for (const auto& entry : snapshot->history) {
    ASSERT_FALSE(entry->trace.empty()) << entry->name;
    EXPECT_EQ(entry->report.response->status, 200u);
    // Each of the entry's events is in the store, in the same order, under the entry's stream.
    auto stored = session.trace().stream_events(entry->report.stream_id);
    ASSERT_GE(stored.size(), entry->trace.size()) << entry->name;
    size_t at = 0;
    for (const auto& event : entry->trace) {
      while (at < stored.size() && key(stored[at]) != key(event)) ++at;
      ASSERT_LT(at, stored.size()) << entry->name << ": " << key(event) << " not in the store";
      EXPECT_EQ(stored[at].args.size(), event.args.size()) << key(event);
      ++at;
    }
    EXPECT_GT(entry->stats.callbacks, 0u);
    EXPECT_EQ(entry->stats.callbacks, snapshot->history.front()->stats.callbacks);
  }

  // After the burst, a breakpoint still stops the proxy with the step's events.
  add_breakpoint(session, "proxy_add_header_map_value", "key == x-wasm-filter");
  auto client =
      std::async(std::launch::async, [port] { return http_request(port, "GET", "/held"); });
  ASSERT_TRUE(session.wait_for_pause(20s));
  auto pause = session.pause();
  ASSERT_TRUE(pause.has_value());
  EXPECT_EQ(pause->event.name, "proxy_add_header_map_value");
  ASSERT_FALSE(pause->step_events.empty());
  EXPECT_TRUE(std::any_of(
      pause->step_events.begin(), pause->step_events.end(),
      [](const host::TraceEvent& event) { return event.name == "proxy_add_header_map_value"; }));
  ASSERT_TRUE(session.resume(ResumeMode::Continue));
  HttpResponse held = client.get();
  ASSERT_TRUE(held.ok) << held.error;
  EXPECT_EQ(held.status, 200);
  ASSERT_TRUE(session.wait_for_history(kRequests + 1, 10s));
  EXPECT_EQ(session.snapshot()->history.back()->request.request.path, "/held");
}

TEST_P(SessionProxyOnEngine, OneStreamIsHeldWhileAnotherCompletes) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  const uint16_t port = start_proxy(session);
  ASSERT_NE(port, 0);
  add_breakpoint(session, "proxy_on_request_headers", "path prefix /slow");

  auto slow =
      std::async(std::launch::async, [port] { return http_request(port, "GET", "/slow/1"); });
  ASSERT_TRUE(session.wait_for_pause(20s));
  const auto held = session.pause();
  ASSERT_TRUE(held && held->worker == "proxy");

  // A request on the session's own VM thread runs to its end while the proxy stream is held.
  uint64_t fast = session.send(get_request("/fast"));
  for (int i = 0; i < 200 && !session.history_entry(fast); ++i) std::this_thread::sleep_for(50ms);
  auto done = session.history_entry(fast);
  ASSERT_TRUE(done.has_value()) << "the session's request did not complete while the proxy "
                                   "stream was held";
  ASSERT_TRUE(done->report.response.has_value());
  EXPECT_EQ(done->report.response->status, 200u);
  EXPECT_EQ(header(done->report.upstream_request->headers, "x-wasm-filter"), "add-header");

  // Another stream through the proxy queues behind the held VM, as on a single-threaded worker.
  auto queued =
      std::async(std::launch::async, [port] { return http_request(port, "GET", "/other"); });
  EXPECT_EQ(queued.wait_for(300ms), std::future_status::timeout);
  auto still = session.pause();
  ASSERT_TRUE(still.has_value());
  EXPECT_EQ(still->id, held->id);
  EXPECT_EQ(session.state(), Session::State::Paused);

  ASSERT_TRUE(session.resume(ResumeMode::Continue));
  HttpResponse slow_response = slow.get();
  HttpResponse queued_response = queued.get();
  ASSERT_TRUE(slow_response.ok) << slow_response.error;
  ASSERT_TRUE(queued_response.ok) << queued_response.error;
  EXPECT_EQ(slow_response.status, 200);
  EXPECT_EQ(queued_response.status, 200);
  ASSERT_TRUE(session.wait_for_history(3, 10s));
  size_t from_proxy = 0;
  for (const auto& entry : session.history()) from_proxy += entry.source == "proxy";
  EXPECT_EQ(from_proxy, 2u);
}

TEST_P(SessionProxyOnEngine, InjectionsReachTheProxyAndStoppingReleasesAHeldStream) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  const uint16_t port = start_proxy(session);
  ASSERT_NE(port, 0);
  ASSERT_TRUE(session.inject("proxy_add_header_map_value", abi::Status::BadArgument).ok());
  HttpResponse injected = http_request(port, "GET", "/injected");
  ASSERT_TRUE(injected.ok) << injected.error;
  EXPECT_EQ(injected.body.find("x-wasm-filter"), std::string::npos) << injected.body;
  ASSERT_TRUE(session.wait_for_history(1, 10s));
  bool marked = false;
  const auto history = session.history();
  for (const auto& event : history[0].trace)
    marked |= event.name == "proxy_add_header_map_value" && event.injected;
  EXPECT_TRUE(marked);

  session.clear_injections();
  add_breakpoint(session, "proxy_on_request_headers");
  auto held = std::async(std::launch::async, [port] { return http_request(port, "GET", "/held"); });
  ASSERT_TRUE(session.wait_for_pause(20s));
  // Stopping the proxy lets the held stream run to its end instead of hanging.
  session.stop_proxy();
  EXPECT_FALSE(session.proxy_port().has_value());
  EXPECT_EQ(session.state(), Session::State::Idle);
  HttpResponse response = held.get();
  EXPECT_TRUE(response.ok || !response.error.empty());
}

TEST_P(SessionProxyOnEngine, AReloadRestartsTheProxyOnTheSamePort) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  const uint16_t port = start_proxy(session);
  ASSERT_NE(port, 0);
  ASSERT_TRUE(http_request(port, "GET", "/before").ok);
  ASSERT_TRUE(session.reload().ok());
  EXPECT_EQ(session.proxy_port(), port);
  HttpResponse after = http_request(port, "GET", "/after");
  ASSERT_TRUE(after.ok) << after.error;
  EXPECT_NE(after.body.find("x-wasm-filter"), std::string::npos) << after.body;
  ASSERT_TRUE(session.wait_for_history(2, 10s));
  auto history = session.history();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].build, 1u);
  EXPECT_EQ(history[1].build, 2u);  // served by the reloaded module
}

TEST_P(SessionProxyOnEngine, KeepsTheNewestEntriesUpToItsBound) {
  debugger::SessionOptions options;
  options.max_history = 3;
  Session session(options);
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  for (int i = 0; i < 5; ++i) session.send(get_request("/r" + std::to_string(i)));
  ASSERT_EQ(session.wait(), Session::State::Idle);
  EXPECT_EQ(session.history_count(), 5u);
  auto history = session.history();
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history.front().request.request.path, "/r2");
  EXPECT_EQ(history.back().request.request.path, "/r4");
  EXPECT_FALSE(session.history_entry(1).has_value());
  EXPECT_TRUE(session.wait_for_history(5, 1s));
}

TEST_P(SessionProxyOnEngine, EntriesASnapshotHeldPastTheBoundAreFreedByTheNextRequests) {
  debugger::SessionOptions options;
  options.max_history = 1;
  Session session(options);
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  session.send(get_request("/first"));
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto held = session.snapshot();  // what the app's UI thread holds during a frame
  ASSERT_EQ(held->history.size(), 1u);
  std::weak_ptr<const debugger::HistoryEntry> first = held->history.front();
  session.send(get_request("/second"));
  ASSERT_EQ(session.wait(), Session::State::Idle);
  EXPECT_EQ(session.snapshot()->history.front()->request.request.path, "/second");
  EXPECT_FALSE(first.expired());  // out of the history, still in the held snapshot
  held.reset();
  // Dropping the last snapshot that held it does not free it on the dropping thread...
  EXPECT_FALSE(first.expired());
  // ...the requests that follow do, on the engine thread.
  for (int i = 0; i < 3; ++i) session.send(get_request("/more" + std::to_string(i)));
  ASSERT_EQ(session.wait(), Session::State::Idle);
  EXPECT_TRUE(first.expired());
  EXPECT_EQ(session.history_count(), 5u);
}

TEST_P(SessionProxyOnEngine, ReplaysASelectionOrEverything) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  session.send(get_request("/a"));
  session.send(get_request("/b"));
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto selected = session.replay(std::vector<uint64_t>{2, 99, 1});
  ASSERT_EQ(selected.size(), 3u);
  EXPECT_EQ(selected[0], 3u);
  EXPECT_EQ(selected[1], 0u);  // not in the history
  EXPECT_EQ(selected[2], 4u);
  ASSERT_EQ(session.wait(), Session::State::Idle);
  EXPECT_EQ(session.history_entry(3)->request.request.path, "/b");
  EXPECT_EQ(session.history_entry(4)->request.request.path, "/a");
  auto all = session.replay_all();
  ASSERT_EQ(all.size(), 4u);
  ASSERT_EQ(session.wait(), Session::State::Idle);
  EXPECT_EQ(session.history().size(), 8u);
  for (uint64_t id : all) {
    auto entry = session.history_entry(id);
    ASSERT_TRUE(entry && entry->report.upstream_request);
    EXPECT_EQ(header(entry->report.upstream_request->headers, "x-wasm-filter"), "add-header");
  }
}

// Both VM threads pausing at once, many times: every pause is answered, one at a time, and
// every request ends. A deadlock or a lost pause shows up as a request that never finishes.
TEST_P(SessionProxyOnEngine, ManyPausesOnBothThreadsAllComplete) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  const uint16_t port = start_proxy(session);
  ASSERT_NE(port, 0);
  add_breakpoint(session, "proxy_add_header_map_value", "path prefix /stop");
  std::atomic<bool> done{false};
  std::atomic<int> answered{0};
  std::thread resumer([&] {
    while (!done) {
      if (session.wait_for_pause(20ms)) {
        // Alternate the ways of going on.
        const int n = answered++;
        session.resume(n % 3 == 0   ? ResumeMode::Continue
                       : n % 3 == 1 ? ResumeMode::Step
                                    : ResumeMode::Finish);
      }
    }
  });
  constexpr int kClients = 4;
  constexpr int kPerClient = 15;
  std::vector<std::future<int>> clients;
  for (int c = 0; c < kClients; ++c)
    clients.push_back(std::async(std::launch::async, [port, c] {
      int ok = 0;
      for (int i = 0; i < kPerClient; ++i) {
        HttpResponse response =
            http_request(port, "GET", (i % 2 ? "/stop/" : "/go/") + std::to_string(c * 100 + i));
        ok += response.ok && response.status == 200;
      }
      return ok;
    }));
  for (int i = 0; i < 20; ++i) session.send(get_request(i % 2 ? "/stop/s" : "/go/s"));
  int ok = 0;
  for (auto& client : clients) ok += client.get();
  EXPECT_TRUE(session.wait_for_history(kClients * kPerClient + 20, 30s));
  EXPECT_EQ(session.wait(30s), Session::State::Idle);
  done = true;
  resumer.join();
  EXPECT_EQ(ok, kClients * kPerClient);
  EXPECT_GE(answered.load(), kClients * kPerClient / 2 + 10);  // each /stop request paused
  EXPECT_EQ(session.history_count(), static_cast<uint64_t>(kClients * kPerClient + 20));
  for (const auto& entry : session.history()) {
    ASSERT_TRUE(entry.report.upstream_request.has_value()) << entry.request.request.path;
    EXPECT_EQ(header(entry.report.upstream_request->headers, "x-wasm-filter"), "add-header");
  }
}

TEST_P(SessionProxyOnEngine, TheProxyNeedsALoadedFilter) {
  Session session;
  auto port = session.start_proxy(host::proxy::ProxyOptions{});
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.error().message.find("loading a filter"), std::string::npos);
}

// The desktop app starts the proxy on the engine thread, after the load it may have queued: the
// snapshot shows the port, or why it did not start.
TEST_P(SessionProxyOnEngine, StartedInTheBackgroundItShowsInTheSnapshot) {
  Session session;
  session.start_proxy_in_background(host::proxy::ProxyOptions{});
  ASSERT_EQ(session.wait(), Session::State::Idle);
  EXPECT_FALSE(session.snapshot()->proxy_port);
  EXPECT_NE(session.snapshot()->proxy_error.find("loading a filter"), std::string::npos);

  session.load_in_background(filter("add_header", GetParam()));
  session.start_proxy_in_background(host::proxy::ProxyOptions{});
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto snapshot = session.snapshot();
  ASSERT_TRUE(snapshot->proxy_port) << snapshot->proxy_error;
  EXPECT_EQ(snapshot->proxy_port, session.proxy_port());
  EXPECT_TRUE(snapshot->proxy_error.empty());

  HttpResponse response = http_request(*snapshot->proxy_port, "GET", "/in-background");
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  ASSERT_TRUE(session.wait_for_history(1, 10s));
  snapshot = session.snapshot();
  ASSERT_EQ(snapshot->history.size(), 1u);
  EXPECT_EQ(snapshot->history[0]->source, "proxy");
  EXPECT_EQ(snapshot->history[0]->request.request.path, "/in-background");
  EXPECT_GT(snapshot->history[0]->stats.callbacks, 0u);
  session.stop_proxy();
  EXPECT_FALSE(session.snapshot()->proxy_port);
}

TEST(DebugCli, StepiAndInfoLocalsOnTheWabtEngine) {
  PWPLAY_REQUIRE_ENGINE("wabt");
  std::string batch = write_temp_file("stepi.batch",
                                      "break proxy_add_header_map_value if key == x-wasm-filter\n"
                                      "send\n"
                                      "stepi\n"
                                      "info locals\n"
                                      "bt\n"
                                      "nexti\n"
                                      "continue\n"
                                      "quit\n");
  CommandResult result = run_pwplay({"debug", sample("add_header_wat"), "--engine", "wabt",
                                     "--request", request_file("get.json"), "--batch", batch});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("Paused (stepi), at a wasm instruction"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("$proxy_on_request_headers  drop"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("$context_id = i32:"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("stack (bottom first): i32:0"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("#0  wasm $proxy_on_request_headers at 0x"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("#1  callback proxy_on_request_headers("), std::string::npos)
      << result.out;

  // On V8 the same command explains what to do instead.
  CommandResult on_v8 = run_pwplay(
      {"debug", sample("add_header_wat"), "--request", request_file("get.json"), "--batch", batch});
  // Its stepi and nexti fail there, so the batch exits 1 (a failed command fails a batch).
  EXPECT_EQ(on_v8.exit_code, 1) << on_v8.err;
  EXPECT_NE(on_v8.out.find("error: the v8 engine cannot step wasm instructions"), std::string::npos)
      << on_v8.out;
}

TEST_P(SessionProxyOnEngine, BackgroundReloadStopsInProxyOnConfigure) {
  Session session;
  auto options = filter("add_header", GetParam());
  options.configuration = "hello";
  ASSERT_TRUE(session.load(options).ok());
  // A plain load never pauses in start-up (its caller waits for it).
  add_breakpoint(session, "proxy_on_configure");
  ASSERT_TRUE(session.reload().ok());
  EXPECT_EQ(session.wait(), Session::State::Idle);
  const uint32_t build = session.plugin_info().build;

  session.reload_in_background();
  ASSERT_EQ(session.wait(), Session::State::Paused);
  auto pause = session.pause();
  ASSERT_TRUE(pause.has_value());
  EXPECT_EQ(pause->where, host::PausePoint::Where::CallbackEnter);
  EXPECT_EQ(pause->event.name, "proxy_on_configure");
  ASSERT_EQ(pause->frames.size(), 1u);
  EXPECT_EQ(pause->frames[0].name, "proxy_on_configure");
  // The filter reads its configuration next: the bytes are copied into the VM.
  ASSERT_TRUE(session.resume(ResumeMode::Step));
  ASSERT_EQ(session.wait(), Session::State::Paused);
  pause = session.pause();
  ASSERT_TRUE(pause.has_value());
  EXPECT_EQ(pause->event.name, "proxy_get_buffer_bytes");
  bool copied = false;
  for (const auto& region : pause->event_regions) {
    if (region.direction != host::CopyDirection::HostToVm || region.length != 5) continue;
    if (GetParam() == "native") {
      // No linear memory to snapshot, and a native filter's host addresses show as 0 in the
      // trace (host/abi_host.cc): the region says only that five bytes went to the filter.
      EXPECT_TRUE(pause->memory->empty());
      EXPECT_EQ(region.address, 0u);
      copied = true;
      continue;
    }
    ASSERT_LE(region.address + region.length, pause->memory->size());
    copied |= std::string(pause->memory->begin() + region.address,
                          pause->memory->begin() + region.address + region.length) == "hello";
  }
  EXPECT_TRUE(copied);
  ASSERT_TRUE(session.resume(ResumeMode::Continue));
  ASSERT_EQ(session.wait(), Session::State::Idle);
  EXPECT_EQ(session.plugin_info().build, build + 1);
  EXPECT_TRUE(session.plugin_info().error.empty());
  // The reloaded filter works.
  session.remove_breakpoint(1);
  uint64_t id = session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Idle);
  EXPECT_EQ(session.history_entry(id)->report.response->status, 200u);
}

TEST_P(SessionProxyOnEngine, AbortingStartUpLeavesAClearError) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  add_breakpoint(session, "proxy_on_vm_start");
  session.reload_in_background();
  ASSERT_EQ(session.wait(), Session::State::Paused);
  ASSERT_TRUE(session.resume(ResumeMode::Abort));
  ASSERT_EQ(session.wait(), Session::State::Idle);
  EXPECT_NE(session.plugin_info().error.find("aborted by the debugger"), std::string::npos)
      << session.plugin_info().error;
}

TEST_P(SessionProxyOnEngine, AbortAtACallbackEntryDoesNotRunIt) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  add_breakpoint(session, "proxy_on_request_headers");
  uint64_t id = session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Paused);
  ASSERT_EQ(session.pause()->where, host::PausePoint::Where::CallbackEnter);
  ASSERT_TRUE(session.resume(ResumeMode::Abort));
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto entry = session.history_entry(id);
  ASSERT_TRUE(entry.has_value());
  EXPECT_FALSE(entry->report.upstream_request.has_value());  // fail closed
  ASSERT_TRUE(entry->failure.has_value());
  EXPECT_EQ(entry->failure->fault, host::VmFault::Terminated);
  // The filter never read a header: the callback did not run.
  for (const auto& event : entry->trace) EXPECT_NE(event.name, "proxy_get_header_map_value");
}

TEST(DebugCli, ReloadStopsAtAStartUpBreakpoint) {
  std::string batch = write_temp_file("startup.batch",
                                      "break proxy_on_configure\n"
                                      "reload\n"
                                      "info args\n"
                                      "continue\n"
                                      "send\n"
                                      "quit\n");
  CommandResult result = run_pwplay({"debug", sample("add_header"), "--config", "hello",
                                     "--request", request_file("get.json"), "--batch", batch});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("Paused (breakpoint 1 (callback proxy_on_configure)), entering a "
                            "callback"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("plugin_configuration_size = 5"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("reloaded "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("Request 1 finished: 200"), std::string::npos) << result.out;
}

TEST(DebugCli, SavedScenarioPassesUnderPwplayTest) {
  const UniqueTempDir dir;
  const std::string scenarios = dir.file("scenarios.json");
  std::string batch =
      write_temp_file("save.batch", "send\nsave-scenario " + scenarios + "\nsave-scenario " +
                                        scenarios + " 1\nquit\n");
  CommandResult debug = run_pwplay(
      {"debug", sample("add_header"), "--request", request_file("get.json"), "--batch", batch});
  EXPECT_EQ(debug.exit_code, 0) << debug.err;
  EXPECT_NE(debug.out.find("Saved request 1 as scenario 'GET /hello' in " + scenarios),
            std::string::npos)
      << debug.out;
  CommandResult test = run_pwplay({"test", scenarios});
  EXPECT_EQ(test.exit_code, 0) << test.out << test.err;
  EXPECT_NE(test.out.find("2 passed, 0 failed"), std::string::npos) << test.out;
}

TEST_P(SessionProxyOnEngine, AProxyRunMakesAScenarioThatPassesInProcess) {
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  const uint16_t port = start_proxy(session);
  ASSERT_NE(port, 0);
  ASSERT_TRUE(http_request(port, "GET", "/scenario").ok);
  ASSERT_TRUE(session.wait_for_history(1, 10s));
  auto entry = session.history().back();
  auto scenario = debugger::scenario_from_run(entry.request,
                                              debugger::run_result(entry, session.plugin_info()));
  ASSERT_TRUE(scenario.ok()) << scenario.error().message;
  // The proxy's own x-request-id / x-forwarded-proto are not expected of the filter.
  const auto& upstream = (*scenario)["expect"]["upstream_headers"];
  EXPECT_EQ(upstream.value("x-wasm-filter", ""), "add-header");
  EXPECT_FALSE(upstream.contains("x-request-id"));
  EXPECT_FALSE(upstream.contains("x-forwarded-proto"));
  const UniqueTempDir dir;
  const std::string path = dir.file("pwplay-proxy-scenario.json");
  ASSERT_TRUE(
      debugger::append_scenario(path, *scenario, sample_for("add_header", GetParam())).ok());
  CommandResult test = run_pwplay({"test", path, "--engine", GetParam()});
  EXPECT_EQ(test.exit_code, 0) << test.out << test.err;
}

TEST(DebugCli, WatchTurnsHotReloadOnAndOff) {
  std::string batch = write_temp_file(
      "watch.batch", "watch on\ninfo reload\nwatch off\ninfo reload\nwatch x\nquit\n");
  CommandResult result = run_pwplay({"debug", sample("add_header"), "--batch", batch});
  // `watch x` is refused on purpose: a batch with a failed command exits 1.
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.out.find("Watching " + sample("add_header") +
                            ": a rebuild reloads it and replays the last request"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("watching the module file; reloaded 0 times"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("not watching the module file; reloaded 0 times"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("usage: watch on|off"), std::string::npos) << result.out;
}

TEST(DebugCli, ListenRejectsABadAddress) {
  std::string batch = write_temp_file("quit.batch", "quit\n");
  CommandResult result =
      run_pwplay({"debug", sample("add_header"), "--listen", "nowhere:http", "--batch", batch});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--listen"), std::string::npos) << result.err;
}

// Abort at a host-call pause of a proxied request: the call traps, the real upstream never sees
// the request, the client gets the fail policy's answer, and the proxy serves the next request.
TEST_P(SessionProxyOnEngine, AbortAtAHostCallKeepsTheRequestFromTheUpstream) {
  TestUpstream upstream;
  Session session;
  ASSERT_TRUE(session.load(filter("add_header", GetParam())).ok());
  host::proxy::ProxyOptions options;
  options.upstream = host::proxy::UpstreamConfig::remote_at({"127.0.0.1", upstream.port()});
  auto port = session.start_proxy(std::move(options));
  ASSERT_TRUE(port.ok()) << port.error().message;
  add_breakpoint(session, "proxy_add_header_map_value", "key == x-wasm-filter");
  auto client = std::async(std::launch::async,
                           [port = *port] { return http_request(port, "GET", "/aborted"); });
  ASSERT_TRUE(session.wait_for_pause(20s));
  ASSERT_EQ(session.pause()->where, host::PausePoint::Where::HostCallDone);
  ASSERT_TRUE(session.resume(ResumeMode::Abort));
  HttpResponse response = client.get();
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 503);
  ASSERT_TRUE(session.wait_for_history(1, 10s));
  EXPECT_EQ(upstream.request_count(), 0u) << "the aborted request reached the upstream";
  const auto entry = session.history().back();
  EXPECT_FALSE(entry.report.upstream_request.has_value());
  bool said = false;
  for (const auto& event : entry.trace)
    for (const auto& arg : event.args)
      said |= event.kind == host::EventKind::Trap && arg.name == "message" &&
              arg.value == "aborted by the user at proxy_add_header_map_value";
  EXPECT_TRUE(said) << "the trace does not say where the user aborted";

  session.remove_breakpoint(1);
  HttpResponse next = http_request(*port, "GET", "/next");
  ASSERT_TRUE(next.ok) << next.error;
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(upstream.request_count(), 1u);
}

// A port nobody listens on (bound, read, released) for a child process's --listen.
uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    port = ntohs(address.sin_port);
  close(fd);
  return port;
}

// A `pwplay debug --listen` batch that ends while a client's request is paused: the request runs
// to its end (breakpoints no longer stop it) and the client gets its real answer.
TEST_P(SessionProxyOnEngine, TheEndOfABatchLetsAPausedClientRequestFinish) {
  const uint16_t port = free_port();
  ASSERT_NE(port, 0);
  const UniqueTempDir dir;
  const std::string batch = dir.file("end.batch");
  std::ofstream(batch) << "break proxy_add_header_map_value\nwait 30\nquit\n";
  auto debug = std::async(std::launch::async, [&] {
    return run_pwplay({"debug", sample_for("add_header", GetParam()), "--engine", GetParam(),
                       "--listen", std::to_string(port), "--batch", batch});
  });
  // The proxy listens once the filter is loaded.
  std::unique_ptr<HttpConnection> connection;
  for (int i = 0; i < 400 && !connection; ++i) {
    connection = HttpConnection::open(port);
    if (!connection) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(connection) << "pwplay debug did not listen on " << port;
  std::this_thread::sleep_for(500ms);  // the batch's `break` comes right after the listen
  ASSERT_TRUE(connection->send(request_bytes("GET", "/at-the-end")));
  HttpResponse response = connection->read_response(false, 30s);
  CommandResult result = debug.get();
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("Paused (breakpoint 1"), std::string::npos) << result.out;
  ASSERT_TRUE(response.ok) << response.error << "\n" << result.out;
  EXPECT_EQ(response.status, 200);
  // The echo upstream's answer, with the header the filter added after the pause.
  EXPECT_NE(response.body.find("x-wasm-filter"), std::string::npos) << response.body;
  EXPECT_NE(response.body.find("/at-the-end"), std::string::npos) << response.body;
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SessionProxyOnEngine);
INSTANTIATE_TEST_SUITE_P(SessionProxy, SessionProxyOnEngine,
                         ::testing::ValuesIn(test::built_engines()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace pwplay::testing
