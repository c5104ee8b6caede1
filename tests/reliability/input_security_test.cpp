// input_security_test.cpp — bad PROBE_* values and bad report paths give one clear notice (in the
// report: never on the host's stderr when a report path is given) and defaults, never a change in
// the host's stdout, stderr or exit status; report files are created safely; a path naming the
// null device, a terminal or a FIFO is used as it is; in secure-execution mode no
// environment-chosen path is written.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "fixture.hpp"

namespace reliability {
namespace {

struct Bad {
  const char* var;
  std::string value;
};
class BadValue : public ProbeHost, public testing::WithParamInterface<Bad> {};

TEST_P(BadValue, OneNoticeNamingItInTheReportAndDefaultsUsed) {
  Env env = probe_env();
  env[GetParam().var] = GetParam().value;
  const bool is_path = std::string(GetParam().var) == "PROBE_REPORT";
  if (!is_path) env["PROBE_REPORT"] = (dir_ / "r.txt").string();
  ExecResult r = run_pair({TEST_APP, "lib_malloc"}, env);
  // With a report path nothing of the probe's reaches the host's stderr: the notice is in the
  // report. Without a usable path (the bad value is the path) the report is on stderr, notice in
  // it.
  if (!is_path) {
    EXPECT_EQ(r.err, "") << "the host's stderr is the host's";
  }
  const std::string report = is_path ? r.err : slurp(dir_ / "r.txt");
  std::istringstream in(report);
  int lines = 0;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("interprobe: ", 0) == 0) {
      ++lines;
      EXPECT_NE(line.find(GetParam().var), std::string::npos) << line;
    }
  EXPECT_EQ(lines, 1) << report;
  // The report is still written, with the defaults (text format, no backtraces, no offset).
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
  // app_malloc, not app_time: the control and the preloaded run are compared byte for byte, and
  // app_time prints the second it ran in (CI saw the two runs straddle one: 1796135407 vs ..08).
  ExecResult run(const std::string& path, std::vector<std::string> argv = {TEST_APP, "app_malloc"}) {
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
                                   ro, TEST_APP, "app_malloc"};
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

TEST_F(BadPath, ExistingFileSymlinkAndReaderlessFifoAreLeftAlone) {
  std::ofstream(dir_ / "precious") << "keep me";
  fs::create_symlink(dir_ / "precious", dir_ / "link");
  fs::create_symlink(dir_ / "nowhere", dir_ / "dangling");
  ASSERT_EQ(mkfifo((dir_ / "fifo").c_str(), 0600), 0);
  for (const char* name : {"precious", "link", "dangling", "fifo"}) {
    ExecResult r = run((dir_ / name).string());  // a blocking open of the FIFO would time out
    EXPECT_EQ(r.err, "") << "the notice goes into the report, not the host's stderr";
  }
  EXPECT_EQ(slurp(dir_ / "precious"), "keep me");
  EXPECT_FALSE(fs::exists(dir_ / "nowhere")) << "a dangling symlink's target is never created";
  int fallbacks = 0;
  for (auto& f : files()) {
    const std::string name = f.filename().string();
    if (name.find('.') == std::string::npos) continue;
    ++fallbacks;
    struct stat st{};
    ASSERT_EQ(lstat(f.c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode)) << f;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
    const std::string report = slurp(f);
    EXPECT_NE(report.find("== interprobe probe"), std::string::npos) << f;
    EXPECT_EQ(interprobe_lines(report), 1) << report;
    EXPECT_NE(report.find(name.rfind("fifo", 0) == 0 ? "has no reader"
                                                     : "already exists and is never overwritten"),
              std::string::npos)
        << report;
  }
  EXPECT_EQ(fallbacks, 4) << "precious.<pid>, link.<pid>, dangling.<pid>, fifo.<pid>";
}

// The null device means no report: nothing written, nothing created next to it (the
// never-overwrite fallback used to create /dev/null.<pid> in /dev). Any name of the device.
TEST_F(BadPath, NullDeviceMeansNoReport) {
  auto dev_null_files = [] {
    std::set<std::string> v;  // what the old fallback left in /dev: null.<pid>
    for (auto& e : fs::directory_iterator("/dev"))
      if (e.path().filename().string().rfind("null.", 0) == 0) v.insert(e.path());
    return v;
  };
  const auto before = dev_null_files();
  std::vector<std::string> paths = {"/dev/null"};
  // Another name of the device, where this test may make one (root, a file system with devices).
  if (mknod((dir_ / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0)
    paths.push_back((dir_ / "null").string());
  for (const std::string& path : paths) {
    Env env = probe_env();
    env["PROBE_REPORT"] = path;
    ExecResult r = run_pair({TEST_APP, "lib_malloc"}, env);
    EXPECT_EQ(r.err, "") << path;
  }
  EXPECT_EQ(dev_null_files(), before) << "nothing created in /dev";
  EXPECT_EQ(files().size(), paths.size() - 1) << "nothing created next to the device node";
}

// A FIFO with a reader and a terminal are written to as they are, never created or truncated.
TEST_F(BadPath, FifoWithAReaderAndATerminalGetTheReport) {
  const fs::path fifo = dir_ / "fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);  // before the writer: no wait
  ASSERT_GE(reader, 0);
  Env env = probe_env();
  env["PROBE_REPORT"] = fifo.string();
  ExecResult r = run_pair({TEST_APP, "lib_malloc"}, env);
  EXPECT_EQ(r.err, "");
  std::string got;  // the pipe keeps the data while a reader holds it open
  char buf[4096];
  for (ssize_t n; (n = read(reader, buf, sizeof buf)) > 0;)
    got.append(buf, static_cast<std::size_t>(n));
  close(reader);
  EXPECT_EQ(got.rfind("== interprobe probe", 0), 0u) << got;
  EXPECT_EQ(files().size(), 1u) << "no fallback file";

  // A terminal given by name (script(1) gives the command one; /dev/tty is its controlling one).
  ExecResult tty = exec({"script", "-q", "-e", "-c",
                         std::string("env PROBE_REPORT=/dev/tty LD_PRELOAD=") + TEST_PROBE + " " +
                             TEST_APP + " lib_malloc 2>/dev/null",
                         "/dev/null"},
                        base_env());
  EXPECT_EQ(tty.describe(), "exit 0") << tty.err;
  EXPECT_NE(tty.out.find("== interprobe probe"), std::string::npos) << tty.out;
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
