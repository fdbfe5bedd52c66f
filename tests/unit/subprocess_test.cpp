#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <thread>

#include "torchdoctor/sys/subprocess.hpp"

using namespace std::chrono_literals;

namespace {
// run_in_child forks; under qemu-user a plain fork() hangs on some kernels (posix_spawn works).
bool fork_unavailable() { return std::getenv("TD_TEST_UNDER_EMULATOR") != nullptr; }
constexpr const char* k_no_fork = "fork() hangs under qemu-user on this kernel; run_in_child is tested natively";
}  // namespace

TEST(Subprocess, CapturesOutputAndExitCode) {
  auto r = td::run_program({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->succeeded());
  EXPECT_EQ(r->describe_failure(), "exited with status 3");
}

TEST(Subprocess, FeedsStdin) {
  td::SpawnOptions o;
  o.input = "hello";
  auto r = td::run_program({"cat"}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "hello");
}

TEST(Subprocess, MissingProgramIsNotFound) {
  auto r = td::run_program({"/nonexistent/program"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, td::ErrorKind::not_found);
}

TEST(Subprocess, KillsAHungProgramAndItsChildrenAtTheDeadline) {
  td::SpawnOptions o;
  o.timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  auto r = td::run_program({"sh", "-c", "sleep 30 & sleep 30"}, o);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_LT(took, 1300ms);
  EXPECT_NE(r->describe_failure().find("did not answer"), std::string::npos);
}

TEST(Subprocess, ReplacesOrTrimsTheEnvironment) {
  td::SpawnOptions o;
  o.env = std::map<std::string, std::string>{{"PATH", "/usr/bin:/bin"}, {"ONLY", "1"}};
  auto r = td::run_program({"sh", "-c", "echo ${ONLY}${HOME:-none}"}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "1none\n");
}

TEST(Subprocess, FunctionInChildReturnsItsReply) {
  if (fork_unavailable()) GTEST_SKIP() << k_no_fork;
  auto r = td::run_in_child([] { return std::string("{\"ok\":true}"); });
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->succeeded());
  EXPECT_EQ(r->out, "{\"ok\":true}");
}

TEST(Subprocess, CrashInChildIsContained) {
  if (fork_unavailable()) GTEST_SKIP() << k_no_fork;
  auto r = td::run_in_child([]() -> std::string {
    std::raise(SIGSEGV);
    return "unreachable";
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->signal, SIGSEGV);
  EXPECT_NE(r->describe_failure().find("crashed"), std::string::npos);
}

TEST(Subprocess, HangInChildIsKilled) {
  if (fork_unavailable()) GTEST_SKIP() << k_no_fork;
  td::SpawnOptions o;
  o.timeout = 200ms;
  auto r = td::run_in_child(
      []() -> std::string {
        std::this_thread::sleep_for(60s);
        return "late";
      },
      o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_LT(r->elapsed, 1200ms);
}
