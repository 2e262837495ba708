// AbiHost's WASI room and the Emscripten shims.
#include <gtest/gtest.h>

#include "unit/abi_host_fixture.h"

namespace pwplay::host {
namespace {

using namespace abi_host_testing;

// =============================================================================================
// Emscripten shims
// =============================================================================================

TEST_F(AbiHostTest, PthreadEqualAndMemoryGrowth) {
  EXPECT_EQ(raw("pthread_equal", {7, 7}), 1u);
  EXPECT_EQ(raw("pthread_equal", {7, 8}), 0u);
  EXPECT_EQ(raw("emscripten_notify_memory_growth", {0}), 0u);
}

// =============================================================================================
// WASI
// =============================================================================================

class WasiTest : public AbiHostTest {
 protected:
  WasiTest() { enter(root); }
  // An iovec array for `chunks`; returns its address.
  uint32_t iovecs(std::initializer_list<std::string_view> chunks) {
    std::string table;
    for (std::string_view chunk : chunks) {
      Slice s = in(chunk);
      for (uint32_t v : {s.ptr, s.len})
        for (int i = 0; i < 4; ++i) table.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
    return guest.place(table);
  }
};

TEST_F(WasiTest, FdWriteToStdoutLogsAtInfo) {
  uint32_t iovs = iovecs({"hello ", "world\n"});
  poison({kRet});
  EXPECT_EQ(wasi("fd_write", {1, iovs, 2, kRet}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet), 12u);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].level, abi::LogLevel::Info);
  EXPECT_EQ(logs[0].message, "hello world");  // one trailing newline stripped
}

TEST_F(WasiTest, FdWriteToStderrLogsAtError) {
  uint32_t iovs = iovecs({"oops\n\n"});
  EXPECT_EQ(wasi("fd_write", {2, iovs, 1, kRet}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet), 6u);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].level, abi::LogLevel::Error);
  EXPECT_EQ(logs[0].message, "oops\n");
}

TEST_F(WasiTest, FdWriteToOtherFdsIsBadf) {
  uint32_t iovs = iovecs({"x"});
  for (uint32_t fd : {0u, 3u, 100u})
    EXPECT_EQ(wasi("fd_write", {fd, iovs, 1, kRet}), WasiErrno::Badf);
  EXPECT_TRUE(logs.empty());
}

TEST_F(WasiTest, FdWriteBadIovecIsFault) {
  EXPECT_EQ(wasi("fd_write", {1, guest.size() - 4, 1, kRet}), WasiErrno::Fault);
  std::string table(8, '\0');
  table[0] = static_cast<char>(0xf0);
  table[3] = static_cast<char>(0xff);  // buf = 0xff0000f0, past the end
  table[4] = 4;
  uint32_t iovs = guest.place(table);
  EXPECT_EQ(wasi("fd_write", {1, iovs, 1, kRet}), WasiErrno::Fault);
  uint32_t good = iovecs({"x"});
  EXPECT_EQ(wasi("fd_write", {1, good, 1, bad()}), WasiErrno::Fault);
  EXPECT_TRUE(logs.empty());
}

TEST_F(WasiTest, FdPwriteBehavesLikeFdWrite) {
  uint32_t iovs = iovecs({"pw"});
  EXPECT_EQ(wasi("fd_pwrite", {1, iovs, 1, 1234, kRet}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet), 2u);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].message, "pw");
  EXPECT_EQ(wasi("fd_pwrite", {5, iovs, 1, 0, kRet}), WasiErrno::Badf);
}

TEST_F(WasiTest, ClockTimeGet) {
  dispatcher.advance(7);
  EXPECT_EQ(wasi("clock_time_get", {0, 1, kRet64}), WasiErrno::Success);
  EXPECT_EQ(guest.u64(kRet64), FakeDispatcher::kRealtimeBaseNs + 7'000'000ull);
  EXPECT_EQ(wasi("clock_time_get", {1, 0, kRet64}), WasiErrno::Success);
  EXPECT_EQ(guest.u64(kRet64), FakeDispatcher::kMonotonicBaseNs + 7'000'000ull);
  EXPECT_EQ(wasi("clock_time_get", {2, 0, kRet64}), WasiErrno::Notsup);
  EXPECT_EQ(wasi("clock_time_get", {3, 0, kRet64}), WasiErrno::Notsup);
  EXPECT_EQ(wasi("clock_time_get", {0, 0, guest.size() - 4}), WasiErrno::Fault);
}

TEST_F(WasiTest, ClockResGet) {
  EXPECT_EQ(wasi("clock_res_get", {1, kRet64}), WasiErrno::Success);
  EXPECT_EQ(guest.u64(kRet64), 1u);
  EXPECT_EQ(wasi("clock_res_get", {2, kRet64}), WasiErrno::Notsup);
}

TEST_F(WasiTest, RandomGet) {
  const uint32_t buffer = 0x40000;
  EXPECT_EQ(wasi("random_get", {buffer, 65537}), WasiErrno::Inval);
  EXPECT_EQ(wasi("random_get", {buffer, 0}), WasiErrno::Success);
  EXPECT_EQ(guest.bytes(buffer, 64), std::string(64, '\0'));
  EXPECT_EQ(wasi("random_get", {buffer, 64}), WasiErrno::Success);
  EXPECT_NE(guest.bytes(buffer, 64), std::string(64, '\0'));
  EXPECT_EQ(guest.bytes(buffer + 64, 8), std::string(8, '\0'));  // nothing past the range
  EXPECT_EQ(wasi("random_get", {guest.size() - 10, 65536}), WasiErrno::Fault);
  EXPECT_EQ(wasi("random_get", {0x10000, 65536}), WasiErrno::Success);  // exactly the limit
}

TEST_F(WasiTest, EnvironSizesAndLayout) {
  poison({kRet, kRetSize});
  EXPECT_EQ(wasi("environ_sizes_get", {kRet, kRetSize}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet), 2u);
  EXPECT_EQ(guest.u32(kRetSize), 4u + 13u);  // "A=1\0" + "LONGER=value\0"
  const uint32_t pointers = 0x40000, buffer = 0x40100;
  EXPECT_EQ(wasi("environ_get", {pointers, buffer}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(pointers), buffer);
  EXPECT_EQ(guest.u32(pointers + 4), buffer + 4);
  EXPECT_EQ(guest.bytes(buffer, 17), std::string("A=1\0LONGER=value\0", 17));
  EXPECT_EQ(wasi("environ_sizes_get", {bad(), kRetSize}), WasiErrno::Fault);
  EXPECT_EQ(wasi("environ_get", {bad(), buffer}), WasiErrno::Fault);
  EXPECT_EQ(wasi("environ_get", {pointers, guest.size() - 3}), WasiErrno::Fault);
}

TEST_F(WasiTest, EnvironIsEmptyWithoutConfiguredVariables) {
  identity_.environment.clear();
  make_host(AbiVersion::v0_2_1);
  enter(root);
  poison({kRet, kRetSize});
  EXPECT_EQ(wasi("environ_sizes_get", {kRet, kRetSize}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
}

TEST_F(WasiTest, ArgsAreEmpty) {
  poison({kRet, kRetSize});
  EXPECT_EQ(wasi("args_sizes_get", {kRet, kRetSize}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
  poison({kRet2});
  EXPECT_EQ(wasi("args_get", {kRet2, kRet2 + 4}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet2), kPoison);  // writes nothing
  EXPECT_EQ(wasi("args_sizes_get", {bad(), kRetSize}), WasiErrno::Fault);
}

TEST_F(WasiTest, FdFdstatGetLayout) {
  const uint32_t stat = 0x40000;
  guest.put(stat, std::string(24, '\x55'));
  EXPECT_EQ(wasi("fd_fdstat_get", {1, stat}), WasiErrno::Success);
  std::string expected(24, '\0');
  expected[8] = 0x40;  // rights_base = FD_WRITE
  EXPECT_EQ(guest.bytes(stat, 24), expected);
  EXPECT_EQ(wasi("fd_fdstat_get", {2, stat}), WasiErrno::Success);
  EXPECT_EQ(wasi("fd_fdstat_get", {3, stat}), WasiErrno::Badf);
  EXPECT_EQ(wasi("fd_fdstat_get", {1, guest.size() - 8}), WasiErrno::Fault);
}

TEST_F(WasiTest, PathOpenIsNoent) {
  Slice path = in("/etc/passwd");
  EXPECT_EQ(wasi("path_open", {3, 0, path.ptr, path.len, 0, 0, 0, 0, kRet}), WasiErrno::Noent);
}

TEST_F(WasiTest, ProcExitLogsAnError) {
  EXPECT_EQ(raw("proc_exit", {3}), 0u);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].level, abi::LogLevel::Error);
  EXPECT_MENTIONS(logs[0].message, "proc_exit(3)");
}

TEST_F(WasiTest, NoFileSystemAnswers) {
  struct Case {
    std::string_view name;
    std::vector<uint64_t> args;
    WasiErrno expected;
  };
  const Case cases[] = {
      {"fd_read", {0, 0, 0, kRet}, WasiErrno::Nosys},
      {"fd_pread", {0, 0, 0, 0, kRet}, WasiErrno::Nosys},
      {"fd_seek", {1, 0, 0, kRet}, WasiErrno::Success},
      {"fd_close", {3}, WasiErrno::Success},
      {"fd_tell", {3, kRet64}, WasiErrno::Badf},
      {"fd_fdstat_set_flags", {1, 0}, WasiErrno::Nosys},
      {"fd_fdstat_set_rights", {1, 0, 0}, WasiErrno::Success},
      {"fd_fdstat_set_rights", {4, 0, 0}, WasiErrno::Badf},
      {"fd_filestat_get", {1, kRet}, WasiErrno::Badf},
      {"fd_advise", {9, 0, 0, 0}, WasiErrno::Success},
      {"fd_allocate", {2, 0, 0}, WasiErrno::Success},
      {"fd_datasync", {5}, WasiErrno::Badf},
      {"fd_sync", {1}, WasiErrno::Success},
      {"fd_renumber", {1, 2}, WasiErrno::Notsup},
      {"fd_renumber", {1, 5}, WasiErrno::Badf},
      {"fd_prestat_get", {3, kRet}, WasiErrno::Badf},
      {"fd_prestat_dir_name", {3, 0, 0}, WasiErrno::Nosys},
      {"path_filestat_get", {3, 0, 0, 0, kRet}, WasiErrno::Notsup},
      {"path_create_directory", {3, 0, 0}, WasiErrno::Notsup},
      {"path_unlink_file", {3, 0, 0}, WasiErrno::Notsup},
      {"path_rename", {3, 0, 0, 3, 0, 0}, WasiErrno::Notsup},
      {"path_symlink", {0, 0, 3, 0, 0}, WasiErrno::Notsup},
      {"path_link", {3, 0, 0, 0, 3, 0, 0}, WasiErrno::Notsup},
      {"sock_shutdown", {3, 0}, WasiErrno::Notsup},
      {"sched_yield", {}, WasiErrno::Success},
  };
  for (const Case& c : cases) {
    std::vector<Value> v = values(c.name, c.args);
    auto result = host->call(c.name, v);
    ASSERT_TRUE(result.ok()) << c.name << ": " << result.error().message;
    EXPECT_EQ(static_cast<WasiErrno>(*result), c.expected) << c.name;
  }
}

TEST_F(WasiTest, FdTellOnStdioWritesZero) {
  guest.put(kRet64, std::string(8, '\x77'));
  EXPECT_EQ(wasi("fd_tell", {1, kRet64}), WasiErrno::Success);
  EXPECT_EQ(guest.u64(kRet64), 0u);
}

TEST_F(WasiTest, PollOneoffReportsNoEvents) {
  poison({kRet});
  EXPECT_EQ(wasi("poll_oneoff", {0, 0, 1, kRet}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(wasi("poll_oneoff", {0, 0, 1, bad()}), WasiErrno::Fault);
}

TEST_F(WasiTest, SocketCallsClearTheirResults) {
  poison({kRet, kRetSize, kRet2});
  EXPECT_EQ(wasi("sock_recv", {3, 0, 0, 0, kRet, kRetSize}), WasiErrno::Notsup);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
  EXPECT_EQ(wasi("sock_send", {3, 0, 0, 0, kRet2}), WasiErrno::Notsup);
  EXPECT_EQ(guest.u32(kRet2), 0u);
  poison({kRet});
  EXPECT_EQ(wasi("sock_accept", {3, 0, kRet}), WasiErrno::Notsup);
  EXPECT_EQ(guest.u32(kRet), 0u);
}

}  // namespace
}  // namespace pwplay::host
