// run_test.cpp — `interprobe run`: the command's exit status, stdout and environment are its own
// (each compared with a control run of the same command without interprobe), LD_PRELOAD is
// prepended and never dropped, the report goes where it was asked in the format asked, and the
// shell's 127/126 and the CLI's 2 come out for the cases they name.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "exec.hpp"
#include "files.hpp"
#include "probe_report.hpp"
#include "scratch.hpp"

namespace {

using namespace interprobe;
namespace fs = std::filesystem;

const std::string kApp = std::string(TEST_PROGRAMS_DIR) + "/run_app";
const std::string kMarker = std::string(TEST_PROGRAMS_DIR) + "/preload_marker.so";

class Run : public testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.empty()); }

  static Env clean_env() {
    return without_probe(current_environment());
  }
  // `interprobe run ARGS...` (ARGS include the '--' and the command).
  static ExecResult run(std::vector<std::string> args, const Env& env = clean_env()) {
    args.insert(args.begin(), {TEST_INTERPROBE, "run", "--probe", TEST_PROBE});
    return exec(args, env);
  }
  test_support::ScratchDir scratch_{"run"};
  const fs::path& dir_ = scratch_.path();
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

// --bypass is PROBE_BYPASS=1: the report counts glibc's timespec_get -> __clock_gettime calls
// that a clock_gettime override never sees (docs/BYPASS.md; tests/bypass_test.cpp in detail).
TEST_F(Run, BypassCountsWhatTheOverrideMissed) {
  const std::string app = std::string(TEST_PROGRAMS_DIR) + "/bypass_app";
  ExecResult control = exec({app, "timespec_get", "7"}, clean_env());
  ExecResult probed = run({"--bypass", "--format", "json", "--", app, "timespec_get", "7"});
  EXPECT_EQ(probed.out, control.out);
  EXPECT_EQ(probed.exit_status, 0);
  std::string error;
  auto r = interprobe::parse_probe_report(probed.err, &error);
  ASSERT_TRUE(r.has_value()) << error << probed.err;
  EXPECT_EQ(r->bypassed_from("clock_gettime", "libc.so.6"), 7u) << probed.err;
  ExecResult without = run({"--format", "json", "--", app, "timespec_get", "7"});
  auto w = interprobe::parse_probe_report(without.err, &error);
  ASSERT_TRUE(w.has_value()) << error;
  EXPECT_TRUE(w->bypass.empty());
  // The shims do not count bypassed calls (yet): refused, not ignored.
  EXPECT_EQ(exec({TEST_INTERPROBE, "run", "--shim-for", TEST_ZLIB_SO, "--bypass", "--", app,
                  "timespec_get", "1"},
                 clean_env())
                .exit_status,
            2);
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

// `interprobe run` started in the background, in its own process group (as a shell's job).
pid_t spawn_in_group(const std::vector<std::string>& argv, const Env& env) {
  SpawnArgs args(argv, env);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, args.argv()[0], &fa, &attr, args.argv(), args.envp()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return pid;
}

// The process's status, or -1 if it is still running after `seconds`.
int wait_for(pid_t pid, int seconds) {
  for (int i = 0; i < seconds * 20; ++i) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    usleep(50'000);
  }
  return -1;
}

bool gone(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    if (kill(pid, 0) != 0 && errno == ESRCH) return true;
    usleep(50'000);
  }
  return false;
}

// kill -TERM / -HUP of `interprobe run` is forwarded to the command, which dies of it; run exits
// 128+N as for any command killed by signal N, and its private report directory is gone. A
// Ctrl-C (SIGINT to the whole process group) reaches the command directly, as before. On main,
// SIGTERM killed interprobe alone: `sleep` went on running and .interprobe-XXXXXX stayed in TMPDIR.
TEST_F(Run, TerminationIsForwardedToTheCommandAndCleanedUp) {
  for (int sig : {SIGTERM, SIGHUP, SIGINT}) {
    const fs::path tmp = dir_ / ("tmp" + std::to_string(sig)), pidfile = dir_ / "command.pid";
    fs::create_directories(tmp);
    fs::remove(pidfile);
    Env env = clean_env();
    env["TMPDIR"] = tmp.string();
    const pid_t run =
        spawn_in_group({TEST_INTERPROBE, "run", "--probe", TEST_PROBE, "--", "/bin/sh", "-c",
                        "echo $$ > '" + pidfile.string() + "'; exec sleep 60"},
                       env);
    ASSERT_GT(run, 0);
    pid_t command = 0;
    for (int i = 0; i < 400 && command == 0; ++i) {
      std::ifstream(pidfile) >> command;
      if (command == 0) usleep(50'000);
    }
    ASSERT_GT(command, 0) << "the command never started";
    usleep(100'000);  // let it exec sleep
    if (sig == SIGINT)
      kill(-run, sig);  // the terminal's way: the whole foreground process group
    else
      kill(run, sig);
    const int status = wait_for(run, 20);
    if (status == -1) kill(command, SIGKILL);
    ASSERT_NE(status, -1) << "interprobe run did not end after signal " << sig;
    EXPECT_TRUE(WIFEXITED(status)) << "signal " << sig << " killed interprobe itself";
    EXPECT_EQ(WEXITSTATUS(status), 128 + sig);
    EXPECT_TRUE(gone(command)) << "the command outlived interprobe run (signal " << sig << ")";
    EXPECT_TRUE(fs::is_empty(tmp)) << "the private report directory was left behind";
  }
}

// A --probe that is not a shared library: ld.so would print an error and run the command
// without it (exit 0 on main); the docs promise exit 2, before anything runs.
TEST_F(Run, ProbeThatIsNotALibraryIsAUsageError) {
  const fs::path marker = dir_ / "ran";
  for (const std::string& probe : {std::string(TEST_MATRIX), std::string("/bin/ls")}) {
    ExecResult r = exec({TEST_INTERPROBE, "run", "--probe", probe, "--", "touch", marker.string()},
                        clean_env());
    EXPECT_EQ(r.exit_status, 2) << r.err;
    EXPECT_EQ(r.err.rfind("interprobe run: cannot preload '" + probe + "': ", 0), 0u) << r.err;
    EXPECT_FALSE(fs::exists(marker)) << "the command ran with " << probe;
  }
  EXPECT_NE(exec({TEST_INTERPROBE, "run", "--probe", TEST_MATRIX, "--", "true"}, clean_env())
                .err.find("not an ELF file"),
            std::string::npos);
}

// Spaces (and colons) in paths: ld.so splits LD_PRELOAD on both, so a probe under "moved prefix"
// is preloaded through a link in a private directory whose path it can take, and a TMPDIR with
// a space in it is fine for the reports. On main both were refused or broken.
TEST_F(Run, PathsWithSpacesWork) {
  const fs::path odd = dir_ / "moved prefix:2" / "lib";
  fs::create_directories(odd);
  fs::copy_file(TEST_PROBE, odd / "libprobe.so");
  ExecResult r =
      exec({TEST_INTERPROBE, "run", "--probe", (odd / "libprobe.so").string(), "--", kApp, "env"},
           clean_env());
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const std::string prefix = "LD_PRELOAD=";
  ASSERT_EQ(r.out.rfind(prefix, 0), 0u) << r.out;
  const std::string entry = r.out.substr(prefix.size(), r.out.find('\n') - prefix.size());
  EXPECT_EQ(entry.find_first_of(" :"), std::string::npos) << entry;
  EXPECT_EQ(fs::path(entry).filename(), "libprobe.so");
  EXPECT_FALSE(fs::exists(entry)) << "the link is removed after the run";
  EXPECT_NE(r.err.find("interprobe probe"), std::string::npos) << "the probe reported:\n" << r.err;

  const fs::path tmp = dir_ / "tmp dir";
  fs::create_directories(tmp);
  Env env = clean_env();
  env["TMPDIR"] = tmp.string();
  ExecResult control = exec({kApp, "status", "0"}, env);
  ExecResult t = run({"--", kApp, "status", "0"}, env);
  EXPECT_EQ(t.describe(), control.describe()) << t.err;
  EXPECT_EQ(t.out, control.out);
  EXPECT_NE(t.err.find("malloc"), std::string::npos) << t.err;
  EXPECT_TRUE(fs::is_empty(tmp));
}

TEST_F(Run, HelpIsComplete) {
  ExecResult h = exec({TEST_INTERPROBE, "run", "--help"}, clean_env());
  EXPECT_EQ(h.exit_status, 0);
  for (const char* opt : {"--report", "--format", "--backtrace", "--time-offset", "--probe"})
    EXPECT_NE(h.out.find(opt), std::string::npos) << opt;
}

}  // namespace
