// The debugger's verb table (debugger/commands.h) without a filter: what it holds, how each verb
// parses its arguments and what it answers to bad ones, help, the docs page in step with it; the
// breakpoint-number parser the front ends share.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "debugger/commands.h"

namespace pwplay::debugger {
namespace {

// Runs `line` on a session with no filter loaded; the answer, or the failure as printed.
struct Shell {
  Session session;
  VerbContext context;
  std::string run(std::string_view line) {
    auto answer = run_line(session, context, line);
    return answer ? *answer : failure_text(answer.error()) + "\n";
  }
  VerbError failure(std::string_view line) {
    auto answer = run_line(session, context, line);
    EXPECT_FALSE(answer.ok()) << line << " answered: " << (answer ? *answer : "");
    return answer ? VerbError{} : answer.error();
  }
};

TEST(DebuggerVerbs, TheTableHoldsEveryVerbOnce) {
  const std::vector<std::string> expected = {
      "help",          "break",        "tbreak", "delete",   "disable", "enable", "ignore",
      "condition",     "info",         "send",   "continue", "step",    "next",   "finish",
      "abort",         "stepi",        "nexti",  "until",    "wait",    "bt",     "x",
      "list",          "regions",      "diff",   "inject",   "history", "replay", "compare",
      "save-scenario", "export-trace", "watch",  "reload",   "quit"};
  std::vector<std::string> names;
  std::set<std::string> spellings;
  for (const Verb& verb : verbs()) {
    names.emplace_back(verb.name);
    EXPECT_FALSE(verb.summary.empty()) << verb.name;
    EXPECT_NE(verb.run, nullptr) << verb.name;
    EXPECT_TRUE(spellings.insert(std::string(verb.name)).second) << verb.name;
    for (std::string_view alias : verb.aliases) {
      EXPECT_TRUE(spellings.insert(std::string(alias)).second) << alias;
      EXPECT_EQ(find_verb(alias), &verb) << alias;
    }
    EXPECT_EQ(find_verb(verb.name), &verb);
  }
  EXPECT_EQ(names, expected);
  EXPECT_EQ(find_verb("b")->name, "break");
  EXPECT_EQ(find_verb("where")->name, "bt");
  EXPECT_EQ(find_verb("si")->name, "stepi");
  EXPECT_EQ(find_verb("frobnicate"), nullptr);
  EXPECT_TRUE(find_verb("ignore")->needs_arguments());
  EXPECT_FALSE(find_verb("send")->needs_arguments());
  EXPECT_FALSE(find_verb("continue")->needs_arguments());
  EXPECT_EQ(find_verb("replay")->usage(), "usage: replay N [M...] | all");
}

TEST(DebuggerVerbs, HelpListsEveryVerbAndExplainsOne) {
  Shell shell;
  const std::string help = shell.run("help");
  EXPECT_EQ(help, help_text());
  for (const Verb& verb : verbs())
    EXPECT_NE(help.find("\n" + std::string(verb.name) + " "), std::string::npos) << verb.name;
  EXPECT_NE(help.find("Set a breakpoint (b)"), std::string::npos) << help;
  const std::string one = shell.run("help b");
  EXPECT_EQ(one.rfind("break TARGET [if CONDITION]   (also: b)\nSet a breakpoint.\n", 0), 0u)
      << one;
  EXPECT_NE(one.find("OP: == != contains prefix"), std::string::npos) << one;
  EXPECT_EQ(shell.run("h condition").rfind("condition N [CONDITION]\n", 0), 0u);
  EXPECT_EQ(shell.run("help nothing"), "error: no command 'nothing' (try 'help')\n");
}

TEST(DebuggerVerbs, UnknownBlankAndQuit) {
  Shell shell;
  VerbError unknown = shell.failure("frobnicate now");
  EXPECT_TRUE(unknown.note);
  EXPECT_EQ(unknown.message, "unknown command 'frobnicate' (try 'help')");
  EXPECT_EQ(shell.run("   "), "");
  EXPECT_FALSE(shell.context.quit);
  EXPECT_EQ(shell.run("q"), "");
  EXPECT_TRUE(shell.context.quit);
}

// A refused number names the verb that refused it (docs/debugger.md).
TEST(DebuggerVerbs, BreakpointVerbsParseTheirArguments) {
  Shell shell;
  EXPECT_EQ(shell.run("break proxy_add_header_map_value if key == x-a"),
            "Breakpoint 1: hostcall proxy_add_header_map_value if key == x-a\n");
  EXPECT_EQ(shell.run("tbreak   proxy_on_request_headers"),
            "Temporary breakpoint 2: callback proxy_on_request_headers\n");
  ASSERT_EQ(shell.session.breakpoints().size(), 2u);
  EXPECT_FALSE(shell.session.breakpoints()[0].temporary);
  EXPECT_TRUE(shell.session.breakpoints()[1].temporary);
  EXPECT_EQ(shell.run("info breakpoints"),
            "1  enabled  hostcall proxy_add_header_map_value if key == x-a  hits=0\n"
            "2  enabled  callback proxy_on_request_headers  hits=0  (deleted when it stops)\n");

  EXPECT_NE(shell.run("break proxy_on_nothing").find("error: 'proxy_on_nothing' is not a proxy"),
            std::string::npos);
  EXPECT_NE(shell.run("break proxy_log if level").find("is not of the form FIELD OP VALUE"),
            std::string::npos);
  VerbError usage = shell.failure("delete");
  EXPECT_TRUE(usage.note);
  EXPECT_EQ(usage.message, "usage: delete N");
  EXPECT_EQ(shell.run("delete x"), "error: delete: expected a breakpoint number, got 'x'\n");
  EXPECT_EQ(shell.run("disable 9"), "error: no breakpoint 9\n");
  EXPECT_EQ(shell.run("disable 1"), "Breakpoint 1 disabled\n");
  EXPECT_FALSE(shell.session.breakpoints()[0].enabled);
  EXPECT_EQ(shell.run("enable 1"), "Breakpoint 1 enabled\n");
  EXPECT_EQ(shell.run("ignore 1"), "usage: ignore N COUNT\n");
  EXPECT_EQ(shell.run("ignore 1 many"), "error: ignore: expected a count, got 'many'\n");
  EXPECT_EQ(shell.run("ignore 1 2"), "Will ignore the next 2 crossings of breakpoint 1\n");
  EXPECT_EQ(shell.session.breakpoints()[0].ignore_count, 2u);

  // condition N [CONDITION]: set, refused (the old one stays), cleared.
  EXPECT_EQ(shell.run("condition"), "usage: condition N [CONDITION]\n");
  EXPECT_EQ(shell.run("condition 7 key == a"), "error: no breakpoint 7\n");
  EXPECT_EQ(shell.run("condition one key == a"),
            "error: condition: expected a breakpoint number, got 'one'\n");
  EXPECT_EQ(shell.run("condition 1 path prefix /api && method == GET"),
            "Breakpoint 1: hostcall proxy_add_header_map_value if path prefix /api && method == "
            "GET\n");
  EXPECT_EQ(shell.session.breakpoints()[0].conditions.size(), 2u);
  EXPECT_NE(shell.run("condition 1 key").find("is not of the form FIELD OP VALUE"),
            std::string::npos);
  EXPECT_EQ(shell.session.breakpoints()[0].condition_text, "path prefix /api && method == GET");
  EXPECT_EQ(shell.run("condition 1"), "Breakpoint 1 now unconditional\n");
  EXPECT_TRUE(shell.session.breakpoints()[0].conditions.empty());
  EXPECT_EQ(describe(shell.session.breakpoints()[0]), "hostcall proxy_add_header_map_value");

  EXPECT_EQ(shell.run("delete 2"), "Breakpoint 2 deleted\n");
  EXPECT_EQ(shell.session.breakpoints().size(), 1u);
}

TEST(DebuggerVerbs, VerbsThatNeedAPauseOrARequestSaySo) {
  Shell shell;
  for (const char* line : {"continue", "c", "step", "next", "finish", "abort", "bt", "info args",
                           "regions", "x 0 16"}) {
    VerbError error = shell.failure(line);
    EXPECT_TRUE(error.note) << line;
    EXPECT_EQ(error.message, "not paused") << line;
  }
  for (const char* line : {"info locals", "list"})
    EXPECT_EQ(shell.run(line), "not stopped at a wasm instruction (use stepi)\n") << line;
  // stepi asks the session, which answers with an error.
  EXPECT_EQ(shell.run("stepi"), "error: not paused\n");
  EXPECT_EQ(shell.run("send"), "error: send needs a request file\n");
  EXPECT_NE(shell.run("send /nonexistent/req.json").find("error: /nonexistent/req.json"),
            std::string::npos);
  EXPECT_EQ(shell.run("diff"), "nothing to diff yet: send a request\n");
  EXPECT_EQ(shell.run("history"), "");
  EXPECT_EQ(shell.run("replay all"), "nothing to replay: the history is empty\n");
  EXPECT_EQ(shell.run("replay 3"), "error: no request 3 in the history\n");
  EXPECT_FALSE(shell.failure("replay 3 4").note);
  EXPECT_EQ(shell.run("replay 3 4"), "error: no requests 3, 4 in the history\n");
  EXPECT_EQ(shell.run("compare 1 2"), "error: no such requests in the history\n");
  EXPECT_EQ(shell.run("save-scenario out.json"), "error: no such request in the history\n");
  EXPECT_EQ(shell.run("info inject"), "No injections.\n");
  EXPECT_EQ(shell.run("info reload"), "not watching the module file; reloaded 0 times\n");
}

TEST(DebuggerVerbs, BadArgumentsAreRefusedBeforeAnythingRuns) {
  Shell shell;
  EXPECT_EQ(shell.run("x"), "not paused\n");  // the pause is checked first, as gdb does
  EXPECT_EQ(shell.run("replay"), "usage: replay N [M...] | all\n");
  EXPECT_EQ(shell.run("replay 1 two"), "error: replay: expected a request number, got 'two'\n");
  EXPECT_EQ(shell.run("compare 1"), "usage: compare A B\n");
  EXPECT_EQ(shell.run("compare 1 b"), "error: compare: expected a request number, got 'b'\n");
  EXPECT_EQ(shell.run("save-scenario"), "usage: save-scenario FILE [N]\n");
  EXPECT_EQ(shell.run("save-scenario f.json last"),
            "error: save-scenario: expected a request number, got 'last'\n");
  EXPECT_EQ(shell.run("watch"), "usage: watch on|off\n");
  EXPECT_EQ(shell.run("watch maybe"), "usage: watch on|off\n");
  EXPECT_EQ(shell.run("wait soon"), "error: wait: expected a number of seconds, got 'soon'\n");
  EXPECT_EQ(shell.run("inject"), "usage: inject HOSTCALL STATUS | alloc on|off | clear\n");
  EXPECT_NE(shell.run("inject proxy_not_a_call NOT_FOUND")
                .find("error: 'proxy_not_a_call' is not a proxy-wasm host function"),
            std::string::npos);
  EXPECT_EQ(shell.run("inject proxy_http_call   BAD_ARGUMENT"),
            "proxy_http_call will return BAD_ARGUMENT\n");
  EXPECT_EQ(shell.run("info inject"), "  proxy_http_call -> BAD_ARGUMENT\n");
  EXPECT_EQ(shell.run("inject alloc maybe"), "error: expected 'alloc on' or 'alloc off'\n");
  EXPECT_EQ(shell.run("inject clear"), "injections cleared\n");
  EXPECT_TRUE(shell.session.injections().empty());
}

TEST(DebuggerVerbs, AFrontEndThatDoesNotWaitGetsNoReport) {
  Shell shell;
  shell.context.wait = std::chrono::milliseconds(0);
  EXPECT_EQ(shell.run("wait 5"), "nothing is paused\n");  // at once, not after 5 s
}

// docs/debugger.md lists the verbs in a table generated from this one: a row per verb, as below.
TEST(DebuggerVerbs, TheDocsListEveryVerbAsTheTableHasIt) {
  std::ifstream in(std::string(PWPLAY_SOURCE_DIR) + "/docs/debugger.md");
  ASSERT_TRUE(in) << "docs/debugger.md";
  std::stringstream text;
  text << in.rdbuf();
  auto escaped = [](std::string_view field) {
    std::string out;
    for (char c : field) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
  };
  for (const Verb& verb : verbs()) {
    std::string aliases;
    for (std::string_view alias : verb.aliases)
      aliases += (aliases.empty() ? "`" : ", `") + std::string(alias) + "`";
    std::string row = "| `" +
                      escaped(std::string(verb.name) +
                              (verb.syntax.empty() ? "" : " " + std::string(verb.syntax))) +
                      "` | " + aliases + " | " + escaped(verb.summary) + " |";
    EXPECT_NE(text.str().find("\n" + row + "\n"), std::string::npos)
        << "docs/debugger.md lacks the row\n"
        << row;
  }
}

TEST(BreakpointNumbers, OneParserForEveryFrontEnd) {
  EXPECT_EQ(*parse_breakpoint_id("3"), 3u);
  EXPECT_EQ(*parse_breakpoint_id(" 12 "), 12u);
  EXPECT_EQ(*parse_breakpoint_id("4294967295"), 4294967295u);
  for (const char* bad : {"", "x", "-1", "3a", "1.5", "4294967296", "99999999999"}) {
    auto id = parse_breakpoint_id(bad);
    ASSERT_FALSE(id.ok()) << bad;
    EXPECT_EQ(id.error().message, "expected a breakpoint number, got '" + std::string(bad) + "'");
  }
}

TEST(TypedNumbers, DecimalAndHexWithinTheirRangeAndNothingElse) {
  EXPECT_EQ(*parse_typed_number("0", "a count"), 0u);
  EXPECT_EQ(*parse_typed_number(" 42 ", "a count"), 42u);
  EXPECT_EQ(*parse_typed_number("0x10", "a count"), 16u);
  EXPECT_EQ(*parse_typed_number("0XfF", "a count"), 255u);
  EXPECT_EQ(*parse_typed_number("18446744073709551615", "a count"), UINT64_MAX);
  EXPECT_EQ(*parse_typed_number("0xffffffffffffffff", "a count"), UINT64_MAX);
  EXPECT_EQ(*parse_typed_number("4294967295", "a count", UINT32_MAX), UINT32_MAX);
  EXPECT_EQ(*parse_typed_number("010", "a count"), 10u);  // decimal, not octal
  for (const char* bad : {"", "-1", "+1", "abc", "0x", "0x-1", "1e3", "1.5", "0x1g", "1 2",
                          "18446744073709551616", "0x10000000000000000", "99999999999999999999"}) {
    auto number = parse_typed_number(bad, "a count");
    ASSERT_FALSE(number.ok()) << bad;
    EXPECT_EQ(number.error().message, "expected a count, got '" + std::string(bad) + "'");
  }
  for (const char* past : {"4294967296", "0x100000000"})
    EXPECT_FALSE(parse_typed_number(past, "a count", UINT32_MAX).ok()) << past;
  EXPECT_FALSE(parse_typed_number("1", "a count", 0).ok());
  EXPECT_EQ(*parse_typed_number("0", "a count", 0), 0u);
}

}  // namespace
}  // namespace pwplay::debugger
