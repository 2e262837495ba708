// `--property PATH=VALUE` through the pwplay executable: a filter that reads the property gets
// the exact bytes the flag gave (text, int:, bool:, bytes:), over Envoy's attribute of the same
// path, in run (V8 and WABT), serve, debug and test; a bad value is a usage error naming the flag.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "debugger/formats/request_file.h"
#include "support/cli.h"
#include "support/http_test_client.h"
#include "support/serve_process.h"
#include "support/session_support.h"
#include "support/wat.h"

namespace pwplay::testing {
namespace {

using nlohmann::json;

// Reads the property at `path` (a WAT string: segments separated by \00) in
// proxy_on_request_headers and answers with a local reply: 200 with the value as the body, or
// 404 with the host call's status as the body's one byte when there is no such property.
std::string echo_property_filter(const UniqueTempDir& dir, const std::string& path,
                                 size_t path_size) {
  const std::string wat = R"((module
  (import "env" "proxy_get_property" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_send_local_response"
    (func $local (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 100) ")" +
                          path + R"(")
  (global $heap (mut i32) (i32.const 4096))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_memory_allocate") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (i32.add (local.get $n) (i32.const 8))))
    (local.get $p))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (local $status i32)
    (local.set $status (call $get (i32.const 100) (i32.const )" +
                          std::to_string(path_size) + R"() (i32.const 1000) (i32.const 1004)))
    (if (i32.eqz (local.get $status))
      (then
        (drop (call $local (i32.const 200) (i32.const 0) (i32.const 0)
                           (i32.load (i32.const 1000)) (i32.load (i32.const 1004))
                           (i32.const 0) (i32.const 0) (i32.const -1))))
      (else
        (i32.store8 (i32.const 1010) (i32.add (local.get $status) (i32.const 48)))
        (drop (call $local (i32.const 404) (i32.const 0) (i32.const 0) (i32.const 1010)
                           (i32.const 1) (i32.const 0) (i32.const 0) (i32.const -1)))))
    (i32.const 1)))
)";
  const std::vector<uint8_t> wasm = test::wat_to_wasm(wat);
  return dir.write("echo.wasm", std::string(wasm.begin(), wasm.end()));
}

// `pwplay run ARGS --request get.json --json`: the response the client got (status, body bytes).
struct Answer {
  int status = 0;
  std::string body;
};

Answer run_answer(std::vector<std::string> args) {
  SCOPED_TRACE(::testing::PrintToString(args));
  args.insert(args.begin(), "run");
  for (const char* arg : {"--request", "", "--json"}) args.emplace_back(arg);
  args[args.size() - 2] = request_file("get.json");
  CommandResult result = run_pwplay(args);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  Answer answer;
  try {
    const json out = json::parse(result.out);
    answer.status = out["response"]["status"].get<int>();
    if (out["response"].contains("body_base64")) {
      auto decoded = debugger::base64_decode(out["response"]["body_base64"].get<std::string>());
      EXPECT_TRUE(static_cast<bool>(decoded));
      if (decoded) answer.body = *decoded;
    } else if (out["response"].contains("body")) {
      answer.body = out["response"]["body"].get<std::string>();
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "output is not JSON: " << e.what() << "\n" << result.out << result.err;
  }
  return answer;
}

TEST(PropertyFlag, RunGivesTheFilterTheTypedBytesOnEveryEngine) {
  UniqueTempDir dir;
  // Segments "my" and "key.v1": the flag escapes the dot inside the second one.
  const std::string filter = echo_property_filter(dir, "my\\00key.v1", 9);
  struct Case {
    std::string value;
    std::string bytes;
  };
  const Case cases[] = {
      {"plain text", "plain text"},
      {"http://example.com/a", "http://example.com/a"},  // "http:" followed by "//" is text
      {"text:int:5", "int:5"},
      {"int:-2", std::string("\xfe\xff\xff\xff\xff\xff\xff\xff", 8)},
      {"int:258", std::string("\x02\x01\0\0\0\0\0\0", 8)},
      {"bool:true", std::string(1, '\1')},
      {"bool:false", std::string(1, '\0')},
      {"bytes:00ff7F", std::string("\0\xff\x7f", 3)},
  };
  for (const char* engine : {"v8", "wabt"}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(std::string(engine) + " " + c.value);
      Answer answer =
          run_answer({filter, "--engine", engine, "--property", "my.key\\.v1=" + c.value});
      EXPECT_EQ(answer.status, 200);
      EXPECT_EQ(answer.body, c.bytes);
    }
    // Without the flag there is no such property: NOT_FOUND (1).
    Answer missing = run_answer({filter, "--engine", engine});
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.body, "1");
  }
}

TEST(PropertyFlag, OverridesEnvoysAttributeAndTheRequestFilesProperties) {
  UniqueTempDir dir;
  const std::string filter = echo_property_filter(dir, "cluster_name", 12);
  // The attribute as pwplay answers it without the flag.
  EXPECT_EQ(run_answer({filter}).body, "upstream");
  EXPECT_EQ(run_answer({filter, "--property", "cluster_name=canary"}).body, "canary");
  // Repeated: each path its own value, the last of one path wins.
  EXPECT_EQ(run_answer({filter, "--property", "cluster_name=a", "--property", "other=b",
                        "--property", "cluster_name=c"})
                .body,
            "c");
  // The request file's "properties" give way to the command line.
  const std::string request =
      dir.write("req.json",
                R"({"method": "GET", "path": "/", "headers": [["host", "x"]],
          "properties": {"cluster_name": "from-file"}})");
  CommandResult from_file = run_pwplay({"run", filter, "--request", request});
  EXPECT_NE(from_file.out.find("from-file"), std::string::npos) << from_file.out;
  CommandResult flag =
      run_pwplay({"run", filter, "--request", request, "--property", "cluster_name=flag"});
  EXPECT_NE(flag.out.find("flag"), std::string::npos) << flag.out;
  EXPECT_EQ(flag.out.find("from-file"), std::string::npos) << flag.out;
}

TEST(PropertyFlag, ServeDebugAndTestPassItToTheFilter) {
  UniqueTempDir dir;
  const std::string filter = echo_property_filter(dir, "my\\00key", 6);

  ServeProcess serve;
  ASSERT_TRUE(serve.start(
      {filter, "--property", "my.key=bytes:6869", "--listen", "127.0.0.1:0", "--quiet"}))
      << serve.out() << serve.err();
  HttpResponse response = http_request(serve.port(), "GET", "/");
  EXPECT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(response.body, "hi");

  const std::string batch = dir.write("send.batch", "send\n");
  CommandResult debug = run_pwplay({"debug", filter, "--property", "my.key=from-debug", "--request",
                                    request_file("get.json"), "--batch", batch});
  EXPECT_EQ(debug.exit_code, 0) << debug.out << debug.err;
  // The debugger prints the status: 200 when the filter found the property, 404 without it.
  EXPECT_NE(debug.out.find("finished: 200 (local response)"), std::string::npos) << debug.out;
  CommandResult debug_without =
      run_pwplay({"debug", filter, "--request", request_file("get.json"), "--batch", batch});
  EXPECT_NE(debug_without.out.find("finished: 404 (local response)"), std::string::npos)
      << debug_without.out;

  const std::string scenarios = dir.write("scenarios.json", R"({
  "filter": "echo.wasm",
  "scenarios": [{
    "name": "reads my.key",
    "request": {"method": "GET", "path": "/", "headers": [["host", "x"]]},
    "expect": {"status": 200, "body_equals": "from-test"}
  }]})");
  CommandResult test = run_pwplay({"test", scenarios, "--property", "my.key=from-test"});
  EXPECT_EQ(test.exit_code, 0) << test.out << test.err;
  CommandResult without = run_pwplay({"test", scenarios});
  EXPECT_EQ(without.exit_code, 1) << without.out << without.err;
}

TEST(PropertyFlag, BadValuesAreUsageErrorsNamingTheFlag) {
  UniqueTempDir dir;
  const std::string filter = echo_property_filter(dir, "my", 2);
  const std::string request = request_file("get.json");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{"run", filter, "--request", request, "--property", "my=int:12x"},
       "--property: '12x' after int: is not a whole number"},
      {{"run", filter, "--request", request, "--property", "my=int:9223372036854775808"},
       "after int: is not a whole number"},
      {{"run", filter, "--request", request, "--property", "my=bool:yes"},
       "--property: 'yes' after bool: is not true, false, 1 or 0"},
      {{"run", filter, "--request", request, "--property", "my=bytes:abc"},
       "--property: 'abc' after bytes: is not hex"},
      {{"run", filter, "--request", request, "--property", "my=bytes:zz"},
       "--property: 'zz' after bytes: is not hex"},
      {{"run", filter, "--request", request, "--property", "my=float:1.5"},
       "--property: unknown value prefix 'float:'"},
      {{"run", filter, "--request", request, "--property", "no-equals"},
       "--property: 'no-equals' is not PATH=VALUE"},
      {{"run", filter, "--request", request, "--property", "a..b=x"},
       "--property: path 'a..b' has an empty segment"},
      {{"run", filter, "--request", request, "--property", "a\\b=x"},
       "--property: path 'a\\b': a backslash escapes"},
      {{"serve", filter, "--property", "my=int:"}, "--property: '' after int:"},
      {{"debug", filter, "--property", "my=bool:2"}, "--property: '2' after bool:"},
      {{"test", "x.json", "--property", "my=nope:1"}, "--property: unknown value prefix"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.args));
    CommandResult result = run_pwplay(c.args, "quit\n");
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err << result.out;
  }
}

}  // namespace
}  // namespace pwplay::testing
