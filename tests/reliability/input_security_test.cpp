// input_security_test.cpp — bad PROBE_* values and bad report paths give one clear stderr line
// and defaults, never a change in the host's stdout or exit status; report files are created
// safely; in secure-execution mode no environment-chosen path is written.
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.hpp"

namespace reliability {
namespace {

struct Bad {
  const char* var;
  std::string value;
};
class BadValue : public ProbeHost, public testing::WithParamInterface<Bad> {};

TEST_P(BadValue, OneLineNamingItAndDefaultsUsed) {
  Env env = probe_env();
  env[GetParam().var] = GetParam().value;
  const bool is_path = std::string(GetParam().var) == "PROBE_REPORT";
  if (!is_path) env["PROBE_REPORT"] = (dir_ / "r.txt").string();
  ExecResult r = run_pair({TEST_APP, "lib_malloc"}, env);
  std::istringstream err(r.err);
  int lines = 0;
  for (std::string line; std::getline(err, line);)
    if (line.rfind("interprobe: ", 0) == 0) {
      ++lines;
      EXPECT_NE(line.find(GetParam().var), std::string::npos) << line;
    }
  EXPECT_EQ(lines, 1) << r.err;
  // The report is still written, with the defaults (text format, no backtraces, no offset).
  std::string report = is_path ? r.err : slurp(dir_ / "r.txt");
  EXPECT_NE(report.find("backtrace=0 time_offset=0 format=text"), std::string::npos) << report;
}

std::vector<Bad> bad_values() {
  std::vector<Bad> v;
  for (const char* var :
       {"PROBE_BACKTRACE", "PROBE_TIME_OFFSET", "PROBE_FORMAT", "PROBE_REPORT_SIGNAL"})
    for (const std::string& value : std::vector<std::string>{"", "garbage", "-99999999999999999999", "99999999999999999999",
                              "12abc", std::string(10000, '9')})
      v.push_back({var, value});
  v.push_back({"PROBE_BACKTRACE", "-1"});
  v.push_back({"PROBE_BACKTRACE", "65"});
  v.push_back({"PROBE_TIME_OFFSET", "-3162240001"});  // one second past the limit (100 × 366 days)
  v.push_back({"PROBE_REPORT_SIGNAL", "KILL"});
  v.push_back({"PROBE_REPORT", ""});
  v.push_back({"PROBE_REPORT", std::string(5000, 'x')});
  return v;
}

INSTANTIATE_TEST_SUITE_P(Values, BadValue, testing::ValuesIn(bad_values()),
                         [](const testing::TestParamInfo<Bad>& i) { return std::to_string(i.index); });

// One stderr line about the report file, the report itself on stderr or beside the path.
class BadPath : public ProbeHost {
 protected:
  ExecResult run(const std::string& path, std::vector<std::string> argv = {TEST_APP, "app_time"}) {
    Env env = probe_env();
    env["PROBE_REPORT"] = path;
    ExecOptions opt;
    opt.timeout = std::chrono::seconds(20);  // a blocking open would show as a timeout
    return run_pair(argv, env, opt);
  }
  static int interprobe_lines(const std::string& err) {
    std::istringstream in(err);
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line.rfind("interprobe: ", 0) == 0;
    return n;
  }
};

TEST_F(BadPath, UncreatablePathsFallBackToStderr) {
  std::ofstream(dir_ / "plain") << "x";
  for (std::string path : {(dir_ / "missing" / "r.txt").string(),  // ENOENT
                           (dir_ / "plain" / "r.txt").string(),    // ENOTDIR: works as root too
                           std::string("/proc/self/r.txt")}) {     // procfs: no new files
    ExecResult r = run(path);
    EXPECT_EQ(interprobe_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("cannot create report file '" + path + "'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("== interprobe probe"), std::string::npos) << "the report is not lost";
  }
}

TEST_F(BadPath, ReadOnlyFileSystemFallsBackToStderr) {
  // Root ignores permission bits, so a directory without write permission proves nothing here;
  // a read-only bind mount refuses root too (EROFS). It needs a private mount namespace:
  // unshare -m, available to root in most containers; skipped where it is not.
  fs::create_directory(dir_ / "ro");
  const std::string ro = (dir_ / "ro").string();
  std::vector<std::string> argv = {"unshare", "-m", "sh", "-c",
                                   "mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" "
                                   "&& exec \"$@\"",
                                   ro, TEST_APP, "app_time"};
  ExecResult probe_mount = exec({"unshare", "-m", "true"}, base_env());
  if (probe_mount.describe() != "exit 0") GTEST_SKIP() << "unshare -m not permitted here";
  // Only the app runs with the probe (env inside the namespace): sh and mount must not write
  // reports of their own into the directory before it turns read-only.
  std::vector<std::string> probed = argv;
  probed.insert(probed.begin() + 6, {"env", std::string("LD_PRELOAD=") + TEST_PROBE,
                                     "PROBE_REPORT=" + ro + "/r.txt"});
  ExecResult control = exec(argv, base_env()), r = exec(probed, base_env());
  EXPECT_EQ(r.out, control.out);
  EXPECT_EQ(r.describe(), control.describe()) << r.err;
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
  EXPECT_EQ(interprobe_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("== interprobe probe"), std::string::npos) << "the report is not lost";
  EXPECT_TRUE(fs::is_empty(dir_ / "ro"));
}

TEST_F(BadPath, ExistingFileSymlinkAndFifoAreNeverOpened) {
  std::ofstream(dir_ / "precious") << "keep me";
  fs::create_symlink(dir_ / "precious", dir_ / "link");
  fs::create_symlink(dir_ / "nowhere", dir_ / "dangling");
  ASSERT_EQ(mkfifo((dir_ / "fifo").c_str(), 0600), 0);
  for (const char* name : {"precious", "link", "dangling", "fifo"}) {
    ExecResult r = run((dir_ / name).string());
    EXPECT_EQ(interprobe_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("already exists and is never overwritten"), std::string::npos) << r.err;
  }
  EXPECT_EQ(slurp(dir_ / "precious"), "keep me");
  EXPECT_FALSE(fs::exists(dir_ / "nowhere")) << "a dangling symlink's target is never created";
  int fallbacks = 0;
  for (auto& f : files()) {
    if (f.filename().string().find('.') == std::string::npos) continue;
    ++fallbacks;
    struct stat st{};
    ASSERT_EQ(lstat(f.c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode)) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
    EXPECT_NE(slurp(f).find("== interprobe probe"), std::string::npos) << f;
  }
  EXPECT_EQ(fallbacks, 4) << "precious.<pid>, link.<pid>, dangling.<pid>, fifo.<pid>";
}

using Secure = ProbeHost;

TEST_F(Secure, SetuidRunIgnoresTheReportPath) {
  // A real secure-execution run without touching system directories: a copy of secure_app
  // (which loads the probe as its own dependency, see programs/secure_app.c) made setuid to
  // "nobody" and run by root. The kernel sets AT_SECURE because the effective uid changes at
  // exec. The directory is world-writable, so a report there would be possible: its absence is
  // the probe's doing, not a permission error.
  if (geteuid() != 0) GTEST_SKIP() << "needs root to make a setuid copy";
  fs::permissions(dir_, fs::perms::all);
  const fs::path plain = dir_ / "plain_app", setuid = dir_ / "setuid_app";
  fs::copy_file(program("secure_app"), plain);
  fs::copy_file(program("secure_app"), setuid);
  ASSERT_EQ(chown(setuid.c_str(), 65534, 65534), 0);
  ASSERT_EQ(chmod(setuid.c_str(), 04755), 0);
  Env env = base_env();
  env["PROBE_REPORT"] = (dir_ / "r.txt").string();

  ExecResult normal = exec({plain.string()}, env);
  ASSERT_EQ(normal.out, "secure 0\n") << normal.err;
  ASSERT_TRUE(fs::exists(dir_ / "r.txt")) << "the control: outside secure mode the path is used";
  fs::remove(dir_ / "r.txt");

  ExecResult r = exec({setuid.string()}, env);
  if (r.out == "secure 0\n") GTEST_SKIP() << "no secure-execution here (nosuid mount?)";
  ASSERT_EQ(r.out, "secure 1\n") << r.err;
  EXPECT_EQ(r.describe(), "exit 0");
  EXPECT_FALSE(fs::exists(dir_ / "r.txt"));
  EXPECT_NE(r.err.find("PROBE_REPORT='" + (dir_ / "r.txt").string() +
                       "' is ignored in secure-execution"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("secure-execution\n"), std::string::npos) << "the report says so: " << r.err;
}

}  // namespace
}  // namespace reliability
