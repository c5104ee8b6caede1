// probe_run_test.cpp — the pure parts of running a command under the probe: the environment it
// gets, the shell-style status and messages, and the order reports are collected in.
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "collect.hpp"
#include "exec.hpp"
#include "preload_env.hpp"
#include "scratch.hpp"

namespace {

using namespace interprobe;
namespace fs = std::filesystem;

TEST(ProbeEnvironment, PrependsToAnExistingPreloadAndKeepsTheRest) {
  ProbeSettings s;
  s.probe = "/opt/ip/lib/libprobe.so";
  Env base{{"LD_PRELOAD", "/usr/lib/libfakeroot.so /x.so"}, {"HOME", "/root"}};
  Env env = probe_environment(base, s);
  EXPECT_EQ(env["LD_PRELOAD"], "/opt/ip/lib/libprobe.so:/usr/lib/libfakeroot.so /x.so");
  EXPECT_EQ(env["HOME"], "/root");
  EXPECT_EQ(env.count("PROBE_REPORT"), 0u);
  EXPECT_EQ(probe_environment({{"LD_PRELOAD", ""}}, s)["LD_PRELOAD"], s.probe);
  EXPECT_EQ(probe_environment({}, s)["LD_PRELOAD"], s.probe);
}

TEST(ProbeEnvironment, SetsOnlyTheSettingsGiven) {
  ProbeSettings s;
  s.probe = "/p.so";
  s.backtrace = 8;
  s.report_dir = "/tmp/d";
  Env env = probe_environment({{"PROBE_FORMAT", "json"}, {"PROBE_REPORT", "/elsewhere"}}, s);
  EXPECT_EQ(env["PROBE_FORMAT"], "json") << "the caller's setting is kept";
  EXPECT_EQ(env["PROBE_BACKTRACE"], "8");
  EXPECT_EQ(env.count("PROBE_TIME_OFFSET"), 0u);
  EXPECT_EQ(env["PROBE_REPORT"], "/tmp/d/report.%p.%m") << "one file per process and module";
  EXPECT_EQ(env.count("PROBE_REPORT_AS"), 0u);
  s.report_as = "";
  EXPECT_EQ(probe_environment({}, s)["PROBE_REPORT_AS"], "") << "set, empty: stderr";
}

TEST(PreloadPath, RefusesWhatCannotBePreloaded) {
  EXPECT_NE(preload_path_problem(""), "");
  EXPECT_NE(preload_path_problem("lib/libprobe.so").find("not absolute"), std::string::npos);
  EXPECT_NE(preload_path_problem("/nonexistent/libprobe.so").find("cannot read"), std::string::npos);
  // ld.so would print "cannot be preloaded ... ignored" and run the command without it.
  EXPECT_EQ(preload_path_problem(TEST_MATRIX), "not an ELF file");
  EXPECT_EQ(preload_path_problem("/bin/ls"), "is an executable (PIE), not a shared library");
  EXPECT_EQ(preload_path_problem(TEST_ZLIB_SO), "");  // (the sanitizer builds have no probe)
}

// A ' ' or ':' in the path (a moved prefix, a TMPDIR): a link under the same file name, in a
// directory whose path LD_PRELOAD can carry, removed with the stage.
TEST(PreloadPath, PathsLdSoCannotTakeAreLinked) {
  EXPECT_TRUE(preload_entry_ok("/usr/lib/libprobe.so"));
  EXPECT_FALSE(preload_entry_ok("/my dir/libprobe.so"));
  EXPECT_FALSE(preload_entry_ok("/a:b/libprobe.so"));
  test_support::ScratchDir scratch("stage");
  ASSERT_FALSE(scratch.path().empty());
  const fs::path odd = scratch.path() / "moved prefix:1";
  fs::create_directories(odd);
  fs::copy_file(TEST_ZLIB_SO, odd / "libz.so.1");
  fs::path link;
  {
    PreloadStage stage;
    std::string problem;
    EXPECT_EQ(stage.entry(TEST_ZLIB_SO, &problem), TEST_ZLIB_SO) << "no link when none is needed";
    link = stage.entry((odd / "libz.so.1").string(), &problem);
    ASSERT_FALSE(link.empty()) << problem;
    EXPECT_TRUE(preload_entry_ok(link.string())) << link;
    EXPECT_EQ(link.filename(), "libz.so.1");
    EXPECT_TRUE(fs::equivalent(link, odd / "libz.so.1"));
    EXPECT_EQ(stage.entry((odd / "nothing.so").string(), &problem), "");
    EXPECT_NE(problem.find("cannot read"), std::string::npos) << problem;
  }
  EXPECT_FALSE(fs::exists(link.parent_path())) << "the stage removes its directory";
}

// A SIGTERM to us while the command runs reaches the command: here the command sends it to its
// parent (this test process) and is then killed by it, at once rather than after 30 s. `exec
// sleep`: the shell becomes the sleep, so no orphaned sleep keeps ctest's output pipe open for 30 s
// after the test (CI's ctest counted this test 30 s); unforwarded, it exits 0 after 30 s and the
// test fails.
TEST(ForwardTermination, ForwardsTermAndHupToTheCommand) {
  for (const char* sig : {"TERM", "HUP"}) {
    ForwardTermination forward;
    const ChildStatus st =
        spawn_and_wait({"/bin/sh", "-c", std::string("kill -") + sig + " $PPID; exec sleep 30"},
                       current_environment());
    ASSERT_TRUE(st.started);
    EXPECT_FALSE(st.exited) << sig;
    EXPECT_EQ(st.term_signal, std::string(sig) == "TERM" ? SIGTERM : SIGHUP);
    EXPECT_EQ(ForwardTermination::received(), st.term_signal);
  }
}

// One that came before the command was started: it is not started, the status is 128+N.
TEST(ForwardTermination, BeforeTheStartTheCommandIsNotRun) {
  ForwardTermination forward;
  raise(SIGTERM);
  const ChildStatus st = spawn_and_wait({"/bin/true"}, current_environment());
  EXPECT_FALSE(st.started);
  EXPECT_EQ(st.stopped_by, SIGTERM);
  EXPECT_EQ(st.shell_status(), 128 + SIGTERM);
}

TEST(ChildStatus, ShellStatus) {
  ChildStatus st;
  st.spawn_errno = ENOENT;
  EXPECT_EQ(st.shell_status(), 127);
  st.spawn_errno = EACCES;
  EXPECT_EQ(st.shell_status(), 126);
  st.started = true;
  st.exited = true;
  st.exit_status = 3;
  EXPECT_EQ(st.shell_status(), 3);
  st.exited = false;
  st.term_signal = 9;
  EXPECT_EQ(st.shell_status(), 137);
  EXPECT_EQ(spawn_failure_message("foo", ENOENT), "foo: command not found");
  EXPECT_EQ(spawn_failure_message("./foo", ENOENT), "./foo: No such file or directory");
}

TEST(CollectReports, TheCommandsOwnFirstThenByPid) {
  test_support::ScratchDir scratch("collect");
  const fs::path& dir = scratch.path();
  for (const char* name : {"report.300", "report.20.libprobe.so", "report.1000.libzshim.so",
                           "report.1000.libprobe.so", "report.x", "report.", "report.7x", "other"})
    std::ofstream(dir / name) << "r";
  auto reports = collect_reports(dir, 1000);
  ASSERT_EQ(reports.size(), 4u);
  EXPECT_EQ(reports[0].pid, 1000);
  EXPECT_EQ(reports[0].module, "libprobe.so") << "every module's report, by module name";
  EXPECT_EQ(reports[1].pid, 1000);
  EXPECT_EQ(reports[1].module, "libzshim.so");
  EXPECT_EQ(reports[2].pid, 20);
  EXPECT_EQ(reports[3].pid, 300);
  EXPECT_EQ(reports[3].module, "");
}

}  // namespace
