// End to end: every WASI function the host provides, called by a filter from a callback on every
// wasm engine, with the errno each returns there; stdout reaching the log, the configured
// environment reaching environ_*, and proc_exit failing the stream.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "abi/functions.h"
#include "support/e2e.h"
#include "support/engines.h"

namespace pwplay::test {
namespace {

// What each WASI function answers for stdout (every fd argument 1) and zero elsewhere: the
// capability model of host/abi_host_wasi.cc — stdout and stderr only, no files, sockets or exit.
const std::map<std::string, std::string>& expected_errno() {
  static const std::map<std::string, std::string> expected = {
      {"fd_write", "SUCCESS"},
      {"fd_pwrite", "SUCCESS"},
      {"fd_read", "NOSYS"},
      {"fd_pread", "NOSYS"},
      {"fd_seek", "SUCCESS"},
      {"fd_tell", "SUCCESS"},
      {"fd_close", "SUCCESS"},
      {"fd_fdstat_get", "SUCCESS"},
      {"fd_fdstat_set_flags", "NOSYS"},
      {"fd_fdstat_set_rights", "SUCCESS"},
      {"fd_filestat_get", "BADF"},
      {"fd_filestat_set_size", "SUCCESS"},
      {"fd_filestat_set_times", "SUCCESS"},
      {"fd_advise", "SUCCESS"},
      {"fd_allocate", "SUCCESS"},
      {"fd_datasync", "SUCCESS"},
      {"fd_sync", "SUCCESS"},
      {"fd_readdir", "BADF"},
      {"fd_renumber", "NOTSUP"},
      {"fd_prestat_get", "BADF"},
      {"fd_prestat_dir_name", "NOSYS"},
      {"path_open", "NOENT"},
      {"path_filestat_get", "NOTSUP"},
      {"path_filestat_set_times", "NOTSUP"},
      {"path_create_directory", "NOTSUP"},
      {"path_remove_directory", "NOTSUP"},
      {"path_unlink_file", "NOTSUP"},
      {"path_rename", "NOTSUP"},
      {"path_readlink", "NOTSUP"},
      {"path_link", "NOTSUP"},
      {"path_symlink", "NOTSUP"},
      {"sock_accept", "NOTSUP"},
      {"sock_recv", "NOTSUP"},
      {"sock_send", "NOTSUP"},
      {"sock_shutdown", "NOTSUP"},
      {"environ_sizes_get", "SUCCESS"},
      {"environ_get", "SUCCESS"},
      {"args_sizes_get", "SUCCESS"},
      {"args_get", "SUCCESS"},
      {"clock_time_get", "SUCCESS"},
      {"clock_res_get", "SUCCESS"},
      {"random_get", "SUCCESS"},
      {"sched_yield", "SUCCESS"},
      {"poll_oneoff", "SUCCESS"},
  };
  return expected;
}

bool is_fd_param(std::string_view name) {
  return name == "fd" || name == "to" || name == "old_fd" || name == "new_fd";
}

// One call per WASI function of the ABI table but proc_exit, from proxy_on_request_headers: fd
// arguments 1, every other argument 0 (address 0 is scratch memory). Results are dropped; the
// trace holds them.
std::string sweep_module(std::vector<std::string>& imports) {
  std::string calls;
  for (const abi::HostFunctionSpec& spec : abi::host_functions()) {
    if (spec.module != abi::ImportModule::Wasi || spec.name == "proc_exit") continue;
    imports.emplace_back(spec.name);
    std::string call = "(call $" + std::string(spec.name);
    std::string_view names = spec.param_names;
    for (char type : spec.signature.params) {
      const size_t comma = names.find(',');
      const std::string_view name = names.substr(0, comma);
      names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
      call += type == 'I'         ? " (i64.const 0)"
              : is_fd_param(name) ? " (i32.const 1)"
                                  : " (i32.const 0)";
    }
    call += ")";
    calls += "      " + (spec.signature.results.empty() ? call : "(drop " + call + ")") + "\n";
  }
  return calls;
}

class E2eWasi : public ::testing::TestWithParam<std::string> {};

TEST_P(E2eWasi, EveryFunctionAnswersFromACallback) {
  std::vector<std::string> imports;
  const std::string calls = sweep_module(imports);
  imports.emplace_back("proxy_log");
  const std::string wat = filter_wat("0_2_1", imports, R"(
    ;; An iovec for "hello wasi\n" at 300; the environment's sizes at 320/324, its entries at 400.
    (data (i32.const 300) "\40\01\00\00\0b\00\00\00")
    (data (i32.const 320) "hello wasi\0a")
    (func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
)" + calls + R"(
      (if (i32.ne (call $fd_write (i32.const 1) (i32.const 300) (i32.const 1) (i32.const 340))
                  (i32.const 0))
        (then unreachable))
      (if (i32.ne (i32.load (i32.const 340)) (i32.const 11)) (then unreachable))
      (drop (call $environ_sizes_get (i32.const 344) (i32.const 348)))
      (if (i32.ne (i32.load (i32.const 344)) (i32.const 1)) (then unreachable))
      (drop (call $environ_get (i32.const 352) (i32.const 400)))
      ;; "E2E=yes\0": log it as the filter saw it.
      (drop (call $proxy_log (i32.const 2) (i32.load (i32.const 352))
                             (i32.sub (i32.load (i32.const 348)) (i32.const 1))))
      (i32.const 0))
  )");
  debugger::PluginSpec spec = wat_spec(GetParam(), wat);
  spec.environment = {{"E2E", "yes"}};
  Result<debugger::RunResult> run =
      run_wat(spec, R"({"method": "GET", "path": "/w", "headers": [["host", "test.local"]]})");
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_FALSE(run->failure) << run->failure->message;
  ASSERT_TRUE(run->report.response);
  EXPECT_EQ(run->report.response->status, 200u);
  const std::vector<std::string> logs = log_messages(*run);
  EXPECT_NE(std::find(logs.begin(), logs.end(), "hello wasi"), logs.end())
      << ::testing::PrintToString(logs);
  EXPECT_NE(std::find(logs.begin(), logs.end(), "E2E=yes"), logs.end())
      << ::testing::PrintToString(logs);
  // The trace writes a WASI result as "errno N".
  const std::map<std::string, abi::WasiErrno> numbers = {{"SUCCESS", abi::WasiErrno::Success},
                                                         {"BADF", abi::WasiErrno::Badf},
                                                         {"NOENT", abi::WasiErrno::Noent},
                                                         {"NOSYS", abi::WasiErrno::Nosys},
                                                         {"NOTSUP", abi::WasiErrno::Notsup}};
  for (const auto& [name, errno_name] : expected_errno()) {
    EXPECT_EQ(host_call_result(run->trace, name),
              "errno " + std::to_string(static_cast<uint32_t>(numbers.at(errno_name))))
        << name << " should answer " << errno_name;
  }
  PWPLAY_COVERS(run->trace, "fd_write", "fd_pwrite", "fd_read", "fd_pread", "fd_seek", "fd_tell",
                "fd_close", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_fdstat_set_rights",
                "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_advise",
                "fd_allocate", "fd_datasync", "fd_sync", "fd_readdir", "fd_renumber",
                "fd_prestat_get", "fd_prestat_dir_name", "path_open", "path_filestat_get",
                "path_filestat_set_times", "path_create_directory", "path_remove_directory",
                "path_unlink_file", "path_rename", "path_readlink", "path_link", "path_symlink",
                "sock_accept", "sock_recv", "sock_send", "sock_shutdown", "environ_sizes_get",
                "environ_get", "args_sizes_get", "args_get", "clock_time_get", "clock_res_get",
                "random_get", "sched_yield", "poll_oneoff");
}

// The sweep covers every WASI row of the table but proc_exit, which has its own test.
TEST(E2eWasiTable, SweepCallsEveryWasiFunctionButProcExit) {
  size_t wasi = 0;
  for (const abi::HostFunctionSpec& spec : abi::host_functions()) {
    if (spec.module != abi::ImportModule::Wasi || spec.name == "proc_exit") continue;
    ++wasi;
    EXPECT_TRUE(expected_errno().count(std::string(spec.name))) << spec.name;
  }
  EXPECT_EQ(wasi, expected_errno().size());
}

// proc_exit from a callback is logged as an error; the module traps right after, as libc's exit
// does, and the stream fails closed (503) without reaching the upstream.
TEST_P(E2eWasi, ProcExitIsLoggedAndTheStreamFails) {
  const std::string wat = filter_wat("0_2_1", {"proc_exit"}, R"(
    (func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      (call $proc_exit (i32.const 3))
      unreachable)
  )");
  Result<debugger::RunResult> run = run_wat(
      wat_spec(GetParam(), wat), R"({"method": "GET", "path": "/x", "headers": [["host", "t"]]})");
  ASSERT_TRUE(run) << run.error().message;
  const std::vector<std::string> logs = log_messages(*run);
  EXPECT_NE(std::find(logs.begin(), logs.end(), "proc_exit(3) called"), logs.end())
      << ::testing::PrintToString(logs);
  ASSERT_TRUE(run->failure);
  EXPECT_EQ(run->failure->callback, "proxy_on_request_headers");
  EXPECT_FALSE(run->report.upstream_request);
  ASSERT_TRUE(run->report.response);
  EXPECT_EQ(run->report.response->status, 503u);
  PWPLAY_COVERS(run->trace, "proc_exit");
}

INSTANTIATE_TEST_SUITE_P(Engines, E2eWasi, ::testing::ValuesIn(built_wasm_engines()),
                         engine_param_name);

}  // namespace
}  // namespace pwplay::test
