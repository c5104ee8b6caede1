// threads_fork_test.cpp — many threads, thread churn, fork while other threads are inside the
// probe, exec, posix_spawn and vfork: exact totals, no deadlock, one report per process.
#include <unistd.h>

#include <set>

#include "fixture.hpp"

namespace reliability {
namespace {

using Threads = ProbeHost;

TEST_F(Threads, EightThreadsMillionCallsEachGiveExactTotals) {
  ProbeReport r = run_for_report({program("stress_app"), "threads", "8", "1000000"}, "t.json");
  EXPECT_EQ(r.calls_from("malloc", "stress_app"), 8'000'000u);
  EXPECT_EQ(r.calls_from("free", "stress_app"), 8'000'000u);
  EXPECT_EQ(r.calls_from("clock_gettime", "stress_app"), 8'000'000u);
}

TEST_F(Threads, ShortLivedThreadsReuseBlocksAndKeepTotalsExact) {
  // 300 waves of 8 threads, half detached: blocks are given back and taken again all the time,
  // and each wave's first calls race for fresh blocks.
  ProbeReport r = run_for_report({program("stress_app"), "churn", "300", "8", "1000"}, "c.json");
  EXPECT_EQ(r.calls_from("malloc", "stress_app"), 2'400'000u);
  EXPECT_EQ(r.calls_from("free", "stress_app"), 2'400'000u);
  EXPECT_EQ(r.calls_from("clock_gettime", "stress_app"), 2'400'000u);
}

class ForkBusy : public ProbeHost, public testing::WithParamInterface<const char*> {};

TEST_P(ForkBusy, ChildrenOfABusyProcessRunAndReport) {
  Env env = json_env("f.%p.json");
  env["PROBE_BACKTRACE"] = GetParam();
  ExecOptions opt;
  opt.timeout = std::chrono::seconds(120);
  ExecResult r = run_pair({program("forkbusy_app"), "60"}, env, opt);
  ASSERT_EQ(r.out, "forks 60 hung 0 failed 0\n") << r.err;
  auto reports = files();
  ASSERT_EQ(reports.size(), 61u) << "one per child and the parent";
  int children = 0;
  for (auto& f : reports) {
    ProbeReport rep = report_at(f);
    if (rep.calls_from("malloc", "forkbusy_app") == 5) ++children;
  }
  // The parent's spinning thread makes far more than 5; every child exactly its own 5 (its
  // counts start at zero, the busy threads do not exist in it).
  EXPECT_EQ(children, 60);
}

// "0": counting only. "16": every JIT call is a new site, so the fork often lands while another
// thread is inside the stack-table insert and the unwinder.
INSTANTIATE_TEST_SUITE_P(Backtrace, ForkBusy, testing::Values("0", "16"));

struct Spawn {
  const char* how;
  std::multiset<std::uint64_t> mallocs;  // from spawn_app, one entry per report
};
class Spawning : public ProbeHost, public testing::WithParamInterface<Spawn> {};

TEST_P(Spawning, EveryProcessThatRunsTheProbeReportsItsOwnCalls) {
  // exec'd children inherit the probe because LD_PRELOAD stays in the environment: each writes
  // its own report (%p). A vfork child that calls _exit runs no destructor: no report, and the
  // parent's counts are untouched although the child shared its memory.
  ExecResult r = run_pair({program("spawn_app"), GetParam().how}, json_env("s.%p.json"));
  EXPECT_EQ(r.out, "child status 0\n");
  std::multiset<std::uint64_t> mallocs;
  for (auto& f : files()) mallocs.insert(report_at(f).calls_from("malloc", "spawn_app"));
  EXPECT_EQ(mallocs, GetParam().mallocs);
}

INSTANTIATE_TEST_SUITE_P(
    How, Spawning,
    testing::Values(Spawn{"fork_exit", {5, 10}}, Spawn{"fork_exec", {5, 10}},
                    Spawn{"vfork_exec", {5, 10}}, Spawn{"posix_spawn", {5, 10}},
                    Spawn{"vfork_exit", {10}}),
    [](const testing::TestParamInfo<Spawn>& i) { return std::string(i.param.how); });

class SharedPath : public ProbeHost, public testing::WithParamInterface<const char*> {};

TEST_P(SharedPath, ChildReportNeverClobbersTheParents) {
  // No %p: the child exits first and creates r.json; the parent finds it and writes
  // r.json.<pid>. Neither file is truncated or mixed.
  ExecResult r = run_pair({program("spawn_app"), GetParam()}, json_env("r.json"));
  auto reports = files();
  ASSERT_EQ(reports.size(), 2u) << r.err;
  EXPECT_EQ(reports[0].filename(), "r.json");
  ProbeReport child = report_at(reports[0]), parent = report_at(reports[1]);
  EXPECT_EQ(child.calls_from("malloc", "spawn_app"), 5u);
  EXPECT_EQ(parent.calls_from("malloc", "spawn_app"), 10u);
  EXPECT_EQ(reports[1].filename(), "r.json." + std::to_string(parent.pid));
  // The notice is in the parent's report, not on the host's stderr (issue 11: cmake captured it).
  EXPECT_EQ(r.err, "");
  ASSERT_EQ(parent.raw["notices"].size(), 1u) << parent.raw.dump(1);
  EXPECT_NE(
      parent.raw["notices"][0].get<std::string>().find("already exists and is never overwritten"),
      std::string::npos);
  EXPECT_TRUE(child.raw["notices"].empty());
}

INSTANTIATE_TEST_SUITE_P(How, SharedPath, testing::Values("fork_exit", "fork_exec", "posix_spawn"));

// Each report names its process, so a child's is recognisable (issue 12 item 13): pid, parent pid,
// argv[0] and the executable.
TEST_F(Spawning, EachReportNamesItsProcess) {
  run_pair({program("spawn_app"), "posix_spawn"}, json_env("s.%p.json"));
  auto reports = files();
  ASSERT_EQ(reports.size(), 2u);
  ProbeReport a = report_at(reports[0]), b = report_at(reports[1]);
  const ProbeReport& parent = a.calls_from("malloc", "spawn_app") == 10 ? a : b;
  const ProbeReport& child = &parent == &a ? b : a;
  EXPECT_EQ(parent.raw["process"]["pid"], parent.pid);
  EXPECT_EQ(child.raw["process"]["pid"], child.pid);
  EXPECT_EQ(child.raw["process"]["ppid"], parent.pid) << "the child names its parent";
  EXPECT_EQ(parent.raw["process"]["ppid"], getpid()) << "the test spawned the parent";
  for (const ProbeReport* r : {&parent, &child}) {
    EXPECT_EQ(r->raw["process"]["exe"], program("spawn_app"));
    EXPECT_EQ(r->raw["process"]["argv0"], program("spawn_app"));
  }
}

}  // namespace
}  // namespace reliability
