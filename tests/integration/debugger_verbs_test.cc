// The debugger's verbs on a loaded filter (tbreak stops once and is gone, condition narrows and
// widens a breakpoint), and every verb of the table reachable from `pwplay debug`: its help lists
// each one and a batch that uses each one gets no "unknown command".
#include <gtest/gtest.h>

#include <string>

#include "debugger/commands.h"
#include "debugger/formats/project.h"
#include "support/cli.h"
#include "support/session_support.h"

namespace pwplay::testing {
namespace {

using debugger::Session;

struct Shell {
  Session session;
  debugger::VerbContext context;
  Shell() {
    context.default_request = []() -> Result<debugger::NamedRequest> {
      return debugger::NamedRequest{.name = "get.json", .request = get_request()};
    };
  }
  std::string run(std::string_view line) {
    auto answer = debugger::run_line(session, context, line);
    return answer ? *answer : debugger::failure_text(answer.error()) + "\n";
  }
};

TEST(DebuggerVerbsRun, TbreakStopsOnceAndIsDeleted) {
  Shell shell;
  ASSERT_TRUE(shell.session.load(filter("add_header")).ok());
  EXPECT_EQ(shell.run("tbreak proxy_add_header_map_value"),
            "Temporary breakpoint 1: hostcall proxy_add_header_map_value\n");
  const std::string sent = shell.run("send");
  EXPECT_NE(sent.find("Paused (temporary breakpoint 1 (hostcall proxy_add_header_map_value)), "
                      "after a host call, stream 1, plugin add_header\n"),
            std::string::npos)
      << sent;
  EXPECT_NE(sent.find("key=x-wasm-filter"), std::string::npos) << sent;
  // Gone at its first stop: the response's proxy_add_header_map_value does not stop.
  EXPECT_TRUE(shell.session.breakpoints().empty());
  EXPECT_EQ(shell.run("info breakpoints"), "No breakpoints.\n");
  EXPECT_EQ(shell.run("continue"), "Request 1 finished: 200, upstream reached\n");
  // A second request runs through.
  EXPECT_EQ(shell.run("send"),
            "Sending request 2: GET /hello\nRequest 2 finished: 200, upstream reached\n");
}

TEST(DebuggerVerbsRun, ConditionNarrowsABreakpointAndClearsIt) {
  Shell shell;
  ASSERT_TRUE(shell.session.load(filter("add_header")).ok());
  shell.run("break proxy_add_header_map_value");
  EXPECT_EQ(shell.run("condition 1 key == x-wasm-response"),
            "Breakpoint 1: hostcall proxy_add_header_map_value if key == x-wasm-response\n");
  // Only the response header stops it now.
  std::string sent = shell.run("send");
  EXPECT_NE(sent.find("key=x-wasm-response"), std::string::npos) << sent;
  EXPECT_EQ(sent.find("key=x-wasm-filter"), std::string::npos) << sent;
  EXPECT_EQ(shell.run("continue"), "Request 1 finished: 200, upstream reached\n");
  EXPECT_EQ(shell.session.breakpoints()[0].hits, 1u);  // the request header did not match
  // Cleared: the first call (the request header) stops it again.
  EXPECT_EQ(shell.run("condition 1"), "Breakpoint 1 now unconditional\n");
  sent = shell.run("send");
  EXPECT_NE(sent.find("key=x-wasm-filter"), std::string::npos) << sent;
  EXPECT_NE(shell.run("continue").find("key=x-wasm-response"), std::string::npos);
  EXPECT_EQ(shell.run("continue"), "Request 2 finished: 200, upstream reached\n");
  EXPECT_EQ(shell.session.breakpoints()[0].hits, 3u);
  // Replaying one request that exists and one that does not: the first runs, the second is named.
  ASSERT_TRUE(shell.run("delete 1").starts_with("Breakpoint 1 deleted"));
  EXPECT_EQ(shell.run("replay 1 9"),
            "Replaying 1 as request 3\nRequest 3 finished: 200, upstream reached\n"
            "error: no request 9 in the history\n");
}

// A line using each verb: arguments where a bare verb would wait (wait) or end the batch (quit
// comes last).
std::string batch_using_every_verb() {
  std::string batch;
  for (const debugger::Verb& verb : debugger::verbs()) {
    if (verb.name == "quit") continue;
    batch += std::string(verb.name) + (verb.name == "wait" ? " 1" : "") + "\n";
  }
  return batch + "quit\n";
}

// until ADDR runs to one instruction (the desktop app's code view runs it on a click): from the
// host call's pause it skips the `drop` at 0x196 and stops at 0x197; an offset inside an
// instruction, or a filter on an engine that cannot step, is refused with a reason.
TEST(DebuggerVerbsRun, UntilRunsToTheInstructionAtAnOffset) {
  PWPLAY_REQUIRE_SAMPLE("add_header_wat", "wabt");
  Shell shell;
  ASSERT_TRUE(shell.session.load(filter("add_header_wat", "wabt")).ok());
  shell.run("break proxy_add_header_map_value if key == x-wasm-filter");
  ASSERT_NE(shell.run("send").find("Paused (breakpoint 1"), std::string::npos);
  EXPECT_EQ(shell.run("until"), "usage: until ADDR\n");
  EXPECT_EQ(shell.run("until 0x198"),
            "error: until: no instruction starts at 0x198 ('list' shows the offsets)\n");
  const std::string reached = shell.run("until 0x197");
  EXPECT_NE(reached.find("Paused (until), at a wasm instruction"), std::string::npos) << reached;
  EXPECT_NE(reached.find("0x000197  $proxy_on_request_headers  i32.const 0"), std::string::npos)
      << reached;
  auto pause = shell.session.pause();
  ASSERT_TRUE(pause && pause->wasm);
  EXPECT_EQ(pause->wasm->file_offset, 0x197u);
  EXPECT_EQ(shell.run("continue"), "Request 1 finished: 200, upstream reached\n");

  Shell v8;
  ASSERT_TRUE(v8.session.load(filter("add_header_wat", "v8")).ok());
  v8.run("break proxy_add_header_map_value");
  v8.run("send");
  EXPECT_NE(v8.run("until 0x197").find("cannot step wasm instructions"), std::string::npos);
  // An instruction breakpoint is kept on V8 (for a reload on WABT), and the reply says so.
  EXPECT_EQ(v8.run("break *0x197"),
            "Breakpoint 2: instruction 0x197\n  the v8 engine does not stop at wasm instructions: "
            "it takes effect on the wabt engine\n");
}

// break *ADDR stops at one wasm instruction in every debugged request until deleted (the app's
// code view sets one with a click); it is kept in the list with its hits, an offset inside an
// instruction is refused, and a plain send does not stop.
TEST(DebuggerVerbsRun, BreakAtAnInstructionStopsEveryDebuggedRequest) {
  PWPLAY_REQUIRE_SAMPLE("add_header_wat", "wabt");
  Shell shell;
  ASSERT_TRUE(shell.session.load(filter("add_header_wat", "wabt")).ok());
  EXPECT_EQ(shell.run("break *0x198"),
            "error: break: no instruction starts at 0x198 ('list' shows the offsets)\n");
  EXPECT_EQ(shell.run("break *0x197"), "Breakpoint 1: instruction 0x197\n");
  for (int request = 1; request <= 2; ++request) {
    const std::string sent = shell.run("send");
    EXPECT_NE(sent.find("Paused (breakpoint 1 (instruction 0x197)), at a wasm instruction"),
              std::string::npos)
        << sent;
    auto pause = shell.session.pause();
    ASSERT_TRUE(pause && pause->wasm);
    EXPECT_EQ(pause->wasm->file_offset, 0x197u);
    EXPECT_EQ(pause->breakpoint, std::optional<uint32_t>(1));
    EXPECT_EQ(pause->event.name, "proxy_on_request_headers");
    // A step from there goes on by one instruction, then Continue ends the request.
    EXPECT_NE(shell.run("stepi").find("Paused (stepi), at a wasm instruction"), std::string::npos);
    EXPECT_EQ(shell.run("continue"),
              "Request " + std::to_string(request) + " finished: 200, upstream reached\n");
  }
  EXPECT_EQ(shell.session.breakpoints()[0].hits, 2u);
  // A condition on the stream narrows it; disabled, it stops nothing.
  shell.run("condition 1 path prefix /nothing");
  EXPECT_EQ(shell.run("send"),
            "Sending request 3: GET /hello\nRequest 3 finished: 200, upstream reached\n");
  shell.run("condition 1");
  shell.run("disable 1");
  EXPECT_EQ(shell.run("send"),
            "Sending request 4: GET /hello\nRequest 4 finished: 200, upstream reached\n");
  // Kept with a project: the record reads back as the same breakpoint.
  auto record = debugger::breakpoint_record(shell.session.breakpoints()[0]);
  EXPECT_EQ(record.kind, "instruction");
  EXPECT_EQ(record.target, "0x197");
  auto back = debugger::breakpoint_from_record(record);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->offset, 0x197u);
  EXPECT_FALSE(back->enabled);
}

TEST(DebugCliVerbs, EveryVerbIsInHelpAndAnswers) {
  const std::string help = run_pwplay({"debug", sample("add_header"), "--batch",
                                       write_temp_file("help.batch", "help\nquit\n")})
                               .out;
  for (const debugger::Verb& verb : debugger::verbs())
    EXPECT_NE(help.find("\n" + std::string(verb.name) + " "), std::string::npos)
        << "pwplay debug's help lacks " << verb.name << "\n"
        << help;

  CommandResult result =
      run_pwplay({"debug", sample("add_header"), "--request", request_file("get.json"), "--batch",
                  write_temp_file("every.batch", batch_using_every_verb())});
  // Some verbs are used without what they need on purpose (`tbreak` alone): those commands fail,
  // and a batch with a failed command exits 1 (docs/debugger.md).
  ASSERT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.out.find("unknown command"), std::string::npos) << result.out;
  for (const debugger::Verb& verb : debugger::verbs())
    EXPECT_NE(result.out.find("(pwplay) " + std::string(verb.name)), std::string::npos)
        << verb.name;
  // A few answers that show the verb ran.
  EXPECT_NE(result.out.find("Sending request 1: GET /hello"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("(pwplay) tbreak\nerror: break needs a callback"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("(pwplay) wait 1\nnothing stopped within 1 s"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("reloaded " + sample("add_header")), std::string::npos) << result.out;
}

}  // namespace
}  // namespace pwplay::testing
