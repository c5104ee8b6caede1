// run_test.cpp — `interprobe run`: the command's exit status, stdout and environment are its own
// (each compared with a control run of the same command without interprobe), LD_PRELOAD is
// prepended and never dropped, the report goes where it was asked in the format asked, and the
// shell's 127/126 and the CLI's 2 come out for the cases they name.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "exec.hpp"
#include "probe_report.hpp"

namespace {

using namespace interprobe;
namespace fs = std::filesystem;

const std::string kApp = std::string(TEST_PROGRAMS_DIR) + "/run_app";
const std::string kMarker = std::string(TEST_PROGRAMS_DIR) + "/preload_marker.so";

class Run : public testing::Test {
 protected:
  void SetUp() override {
    char t[] = "/tmp/interprobe-run-XXXXXX";
    ASSERT_NE(mkdtemp(t), nullptr);
    dir_ = t;
  }
  void TearDown() override { fs::remove_all(dir_); }

  static Env clean_env() {
    return without_probe(current_environment());
  }
  // `interprobe run ARGS...` (ARGS include the '--' and the command).
  static ExecResult run(std::vector<std::string> args, const Env& env = clean_env()) {
    args.insert(args.begin(), {TEST_INTERPROBE, "run", "--probe", TEST_PROBE});
    return exec(args, env);
  }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path dir_;
};

TEST_F(Run, ExitStatusAndStdoutAreTheCommands) {
  for (const char* status : {"0", "3"}) {
    ExecResult control = exec({kApp, "status", status}, clean_env());
    ExecResult probed = run({"--", kApp, "status", status});
    ASSERT_TRUE(control.exited) << control.describe();
    EXPECT_EQ(probed.describe(), control.describe()) << probed.err;
    EXPECT_EQ(probed.out, control.out) << "stdout changed by interprobe run";
    EXPECT_NE(probed.err.find("run_app stderr line"), std::string::npos) << probed.err;
    // The text report follows on stderr: the app called malloc itself.
    EXPECT_NE(probed.err.find("malloc"), std::string::npos) << probed.err;
  }
}

TEST_F(Run, SignalDeathBecomes128PlusSignal) {
  ExecResult control = exec({kApp, "signal", "15"}, clean_env());
  ASSERT_FALSE(control.exited);
  ASSERT_EQ(control.term_signal, 15);
  ExecResult probed = run({"--", kApp, "signal", "15"});
  EXPECT_TRUE(probed.exited);
  EXPECT_EQ(probed.exit_status, 128 + 15) << probed.err;
  EXPECT_NE(probed.err.find("killed by signal 15"), std::string::npos) << probed.err;
  EXPECT_NE(probed.err.find("no report"), std::string::npos) << probed.err;
}

TEST_F(Run, LdPreloadIsPrependedNeverDropped) {
  Env env = clean_env();
  env["LD_PRELOAD"] = kMarker;
  ExecResult control = exec({kApp, "env"}, env);
  ASSERT_EQ(control.out, "LD_PRELOAD=" + kMarker + "\nmarker loaded\n");
  ExecResult probed = run({"--", kApp, "env"}, env);
  EXPECT_EQ(probed.exit_status, 0) << probed.err;
  EXPECT_EQ(probed.out,
            "LD_PRELOAD=" + std::string(TEST_PROBE) + ":" + kMarker + "\nmarker loaded\n");
  // Without a preload of its own, LD_PRELOAD is the probe alone.
  EXPECT_EQ(run({"--", kApp, "env"}).out,
            "LD_PRELOAD=" + std::string(TEST_PROBE) + "\nmarker absent\n");
}

TEST_F(Run, ReportGoesToThePathAsValidJson) {
  const fs::path report = dir_ / "app.json";
  ExecResult r = run({"--format", "json", "--report", report.string(), "--", kApp, "status", "0"});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.err, "run_app stderr line\n") << "nothing but the command's own stderr";
  std::string error;
  auto parsed = parse_probe_report(slurp(report), &error);
  ASSERT_TRUE(parsed) << error << "\n" << slurp(report);
  EXPECT_GT(parsed->calls_from("malloc", "run_app"), 0u);
  // Only the report: no private directory left behind next to it.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(Run, JsonReportOnStderrParses) {
  ExecResult r = run({"--format", "json", "--", kApp, "status", "0"});
  const std::string marker = "run_app stderr line\n";
  ASSERT_EQ(r.err.rfind(marker, 0), 0u) << r.err;
  std::string error;
  EXPECT_TRUE(parse_probe_report(r.err.substr(marker.size()), &error)) << error << r.err;
}

TEST_F(Run, ReportReplacesAnExistingFileButNotADirectory) {
  const fs::path report = dir_ / "app.txt";
  std::ofstream(report) << "stale\n";
  ExecResult r = run({"--report", report.string(), "--", kApp, "status", "0"});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_NE(slurp(report).find("interprobe probe"), std::string::npos) << slurp(report);
  ExecResult d = run({"--report", dir_.string(), "--", kApp, "status", "0"});
  EXPECT_EQ(d.exit_status, 2);
  EXPECT_NE(d.err.find("is a directory"), std::string::npos) << d.err;
  EXPECT_EQ(d.out, "") << "the command must not run after a usage error";
}

TEST_F(Run, ReportInAMissingDirectoryIsAUsageError) {
  ExecResult r = run({"--report", (dir_ / "no-such-dir" / "r.txt").string(), "--", kApp, "status",
                      "0"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("cannot write the report next to"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "") << "the command must not run after a usage error";
}

TEST_F(Run, SettingsReachTheProbe) {
  ExecResult control = exec({std::string(TEST_PROGRAMS_DIR) + "/clock_app"}, clean_env());
  ExecResult probed =
      run({"--time-offset", "1000000000", "--", std::string(TEST_PROGRAMS_DIR) + "/clock_app"});
  long c = 0, p = 0;
  ASSERT_EQ(std::sscanf(control.out.c_str(), "time %ld", &c), 1) << control.out;
  ASSERT_EQ(std::sscanf(probed.out.c_str(), "time %ld", &p), 1) << probed.out;
  EXPECT_NEAR(static_cast<double>(p - c), 1e9, 60);
}

TEST_F(Run, CommandNotFoundIs127AndNotExecutableIs126) {
  ExecResult nf = run({"--", "interprobe-no-such-command"});
  EXPECT_EQ(nf.exit_status, 127);
  EXPECT_EQ(nf.err, "interprobe: interprobe-no-such-command: command not found\n");
  const fs::path plain = dir_ / "not-executable";
  std::ofstream(plain) << "#!/bin/sh\necho hi\n";
  chmod(plain.c_str(), 0644);
  ExecResult ne = run({"--", plain.string()});
  EXPECT_EQ(ne.exit_status, 126);
  EXPECT_EQ(ne.err, "interprobe: " + plain.string() + ": Permission denied\n");
}

TEST_F(Run, UsageErrorsAre2) {
  ExecResult unknown = run({"--no-such-option", "--", kApp, "status", "0"});
  EXPECT_EQ(unknown.exit_status, 2);
  EXPECT_NE(unknown.err.find("--no-such-option"), std::string::npos) << unknown.err;
  EXPECT_EQ(unknown.out, "");
  EXPECT_EQ(run({}).exit_status, 2) << "no command";
  EXPECT_EQ(run({"--format", "xml", "--", kApp, "status", "0"}).exit_status, 2);
  ExecResult bad_probe =
      exec({TEST_INTERPROBE, "run", "--probe", "relative/libprobe.so", "--", kApp, "status", "0"},
           clean_env());
  EXPECT_EQ(bad_probe.exit_status, 2);
  EXPECT_NE(bad_probe.err.find("not absolute"), std::string::npos) << bad_probe.err;
}

TEST_F(Run, HelpIsComplete) {
  ExecResult h = exec({TEST_INTERPROBE, "run", "--help"}, clean_env());
  EXPECT_EQ(h.exit_status, 0);
  for (const char* opt : {"--report", "--format", "--backtrace", "--time-offset", "--probe"})
    EXPECT_NE(h.out.find(opt), std::string::npos) << opt;
}

}  // namespace
