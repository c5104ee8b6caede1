// exit_dlopen_test.cpp — how the process ends (return, exit, _exit, abort, a fatal signal, exit
// from another thread while others allocate), the report on demand (PROBE_REPORT_SIGNAL), and a
// library loaded, used and unloaded many times with RTLD_LOCAL, RTLD_GLOBAL and RTLD_DEEPBIND.
#include "fixture.hpp"

namespace reliability {
namespace {

struct Ending {
  const char* how;
  bool report;  // a normal exit writes the report; the others end before any destructor runs
};
class Exits : public ProbeHost, public testing::WithParamInterface<Ending> {};

TEST_P(Exits, ReportIsCompleteForNormalExitsOnly) {
  ExecResult r = run_pair({program("exit_app"), GetParam().how}, json_env("e.json"));
  EXPECT_EQ(r.out, "ok\n");
  if (GetParam().report) {
    EXPECT_EQ(report_at(dir_ / "e.json").calls_from("malloc", "exit_app"), 3u);
  } else {
    EXPECT_TRUE(files().empty()) << "documented: no report for " << GetParam().how;
  }
}

INSTANTIATE_TEST_SUITE_P(How, Exits,
                         testing::Values(Ending{"return", true}, Ending{"exit", true},
                                         Ending{"_exit", false}, Ending{"abort", false},
                                         Ending{"signal", false}),
                         [](const testing::TestParamInfo<Ending>& i) {
                           return std::string(i.param.how[0] == '_' ? "underscore_exit"
                                                                    : i.param.how);
                         });

using ExitFromThread = ProbeHost;

TEST_F(ExitFromThread, WhileOthersAllocateTheReportIsWrittenWithoutDeadlock) {
  // The report is built while four threads are still inside malloc/free. Twenty rounds: a
  // deadlock shows as a timeout, a crash as a signal in place of "exit 0".
  ExecOptions opt;
  opt.timeout = std::chrono::seconds(20);
  for (int round = 0; round < 20; ++round) {
    fs::path report = dir_ / ("x" + std::to_string(round) + ".json");
    Env env = probe_env();
    env["PROBE_FORMAT"] = "json";
    env["PROBE_REPORT"] = report.string();
    ExecResult r = exec({program("exit_app"), "thread_exit"}, env, opt);
    ASSERT_EQ(r.describe(), "exit 0") << "round " << round << ": " << r.err;
    EXPECT_EQ(r.out, "ok\n");
    EXPECT_GE(report_at(report).calls_from("malloc", "exit_app"), 3u) << "round " << round;
  }
}

using OnDemand = ProbeHost;

TEST_F(OnDemand, SignalWritesAReportAndTheProcessGoesOn) {
  // Without the setting SIGUSR2 keeps its default action under the probe, as in the control run.
  ExecResult control = exec({program("exit_app"), "report_signal"}, base_env());
  ExecResult untouched = exec({program("exit_app"), "report_signal"}, json_env("u.json"));
  EXPECT_EQ(control.describe(), "signal 12");
  EXPECT_EQ(untouched.describe(), "signal 12") << "the probe takes no signal unless asked";

  Env env = json_env("r.json");
  env["PROBE_REPORT_SIGNAL"] = "USR2";
  ExecResult r = exec({program("exit_app"), "report_signal"}, env);
  ASSERT_EQ(r.describe(), "exit 0") << r.err;
  ProbeReport on_signal = report_at(dir_ / "r.json.signal1");
  ProbeReport at_exit = report_at(dir_ / "r.json");
  // Written by the first malloc after raise(), before that malloc is counted.
  EXPECT_EQ(on_signal.calls_from("malloc", "exit_app"), 3u);
  EXPECT_EQ(on_signal.raw["trigger"], "signal");
  EXPECT_EQ(at_exit.calls_from("malloc", "exit_app"), 5u);
  EXPECT_EQ(at_exit.raw["trigger"], "exit");
  EXPECT_EQ(at_exit.settings["report_signal"], 12);
}

// Signals merge: the handler only counts the request, and the next malloc-family call writes one
// report for every request since the last (docs/REPORT_FORMAT.md says exactly when).
TEST_F(OnDemand, SignalsBeforeTheNextAllocationMergeAndAreCounted) {
  Env env = json_env("r.json");
  env["PROBE_REPORT_SIGNAL"] = "USR2";
  ExecResult r = exec({program("exit_app"), "report_signals"}, env);
  ASSERT_EQ(r.describe(), "exit 0") << r.err;
  EXPECT_EQ(r.err, "");
  ProbeReport first = report_at(dir_ / "r.json.signal1");
  ProbeReport second = report_at(dir_ / "r.json.signal2");
  ProbeReport at_exit = report_at(dir_ / "r.json");
  EXPECT_FALSE(fs::exists(dir_ / "r.json.signal3")) << "five signals, two reports on demand";
  EXPECT_EQ(first.raw["report_requests"], 3) << "three signals, no allocation between them";
  EXPECT_EQ(first.calls_from("malloc", "exit_app"), 3u);
  EXPECT_EQ(second.raw["report_requests"], 1);
  EXPECT_EQ(second.calls_from("malloc", "exit_app"), 5u);
  EXPECT_EQ(at_exit.raw["trigger"], "exit");
  EXPECT_EQ(at_exit.raw["report_requests"], 1) << "the last signal reached no malloc-family call";
  EXPECT_EQ(at_exit.calls_from("malloc", "exit_app"), 6u);
}

TEST_F(OnDemand, TextReportsGoToStderrOneAfterTheOther) {
  Env env = probe_env();
  env["PROBE_REPORT_SIGNAL"] = "SIGUSR2";
  ExecResult r = exec({program("exit_app"), "report_signal"}, env);
  ASSERT_EQ(r.describe(), "exit 0") << r.err;
  auto first = r.err.find("== interprobe probe"), signal = r.err.find("— on signal");
  ASSERT_NE(first, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n', first), r.err.find('\n', signal)) << "the first report is the signal's";
  EXPECT_NE(r.err.find("== interprobe probe", first + 1), std::string::npos) << "then the exit's";
}

struct DlMode {
  const char* mode;
  const char* check;           // what victim_check_result(5) returned: -1 = the override's value
  std::uint64_t lib_internal;  // calls of victim_err_occurred the probe saw from the library
  std::uint64_t lib_malloc;    // malloc calls from the library that reached the probe
};
class Dlopen : public ProbeHost, public testing::WithParamInterface<DlMode> {};

TEST_P(Dlopen, ManyLoadUnloadRoundsResolveAndAttributeCorrectly) {
  constexpr int kRounds = 200;
  ExecResult control = exec({program("dlmodes_app"), GetParam().mode, std::to_string(kRounds)},
                            base_env());
  ExecResult probed = exec({program("dlmodes_app"), GetParam().mode, std::to_string(kRounds)},
                           json_env("d.json"));
  ASSERT_EQ(control.describe(), "exit 0") << control.err;
  ASSERT_EQ(probed.describe(), "exit 0") << probed.err;
  std::string want;
  for (int i = 0; i < kRounds; ++i)
    want += "round " + std::to_string(i) + " check " + GetParam().check + " direct 0\n";
  EXPECT_EQ(probed.out, want);
  ProbeReport r = report_at(dir_ / "d.json");
  EXPECT_EQ(r.calls_from("victim_err_occurred", "libvictim.so.1"), GetParam().lib_internal);
  EXPECT_EQ(r.calls_from("malloc", "libvictim.so.1"), GetParam().lib_malloc);
  EXPECT_EQ(r.calls_from("free", "libvictim.so.1"), GetParam().lib_malloc);
  EXPECT_EQ(r.calls_from("malloc", "dlmodes_app"), std::uint64_t{kRounds})
      << "the app's calls after each dlclose are still the app's";
  EXPECT_EQ(r.calls_from("malloc", "[unknown]"), 0u);
}

// RTLD_DEEPBIND puts the library's own scope (itself, then its dependencies: libc) before the
// global scope for the library's references. So its call to its own victim_err_occurred binds
// inside, and its malloc/free bind to libc's, not the probe's: the probe sees none of the
// library's calls. Calls from the app still reach the probe (the app's malloc row).
INSTANTIATE_TEST_SUITE_P(Modes, Dlopen,
                         testing::Values(DlMode{"local", "-1", 200, 200},
                                         DlMode{"global", "-1", 200, 200},
                                         DlMode{"deepbind", "5", 0, 0}),
                         [](const testing::TestParamInfo<DlMode>& i) {
                           return std::string(i.param.mode);
                         });

}  // namespace
}  // namespace reliability
