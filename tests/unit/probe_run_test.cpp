// probe_run_test.cpp — the pure parts of running a command under the probe: the environment it
// gets, the shell-style status and messages, and the order reports are collected in.
#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "probe_run.hpp"

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

TEST(PreloadPath, RefusesWhatLdSoCannotExpress) {
  EXPECT_NE(preload_path_problem(""), "");
  EXPECT_NE(preload_path_problem("lib/libprobe.so").find("not absolute"), std::string::npos);
  EXPECT_NE(preload_path_problem("/my dir/libprobe.so").find("space"), std::string::npos);
  EXPECT_NE(preload_path_problem("/a:b/libprobe.so").find("':'"), std::string::npos);
  EXPECT_NE(preload_path_problem("/nonexistent/libprobe.so").find("cannot read"), std::string::npos);
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
  char t[] = "/tmp/interprobe-collect-XXXXXX";
  ASSERT_NE(mkdtemp(t), nullptr);
  const fs::path dir = t;
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
  fs::remove_all(dir);
}

}  // namespace
