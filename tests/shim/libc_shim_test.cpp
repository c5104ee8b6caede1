// libc_shim_test.cpp — a shim of libc itself (every exported function trampolined) under real
// programs: issue 11 item 5, where every program crashed (`LD_PRELOAD=c.so /bin/true` exited 139:
// the slow path's dlsym called _dl_catch_error, trampolined, whose first call resolved it with
// dlsym again, ~3,700 frames deep). The shim now resolves with a lookup that calls nothing
// (preload/core/symbol_lookup.hpp). Each program runs without and with the shim: stdout, stderr
// and exit status identical, and the report counts the program's calls into libc.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <sstream>

#include "exec.hpp"
#include "files.hpp"
#include "scratch.hpp"

namespace {

using namespace interprobe;
namespace fs = std::filesystem;

const char kLibc[] = "/lib/x86_64-linux-gnu/libc.so.6";

class LibcShim : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(scratch_dir() / "libc-shim");
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    ExecResult r = exec({TEST_INTERPROBE, "shim", "--lib", kLibc, "--all-exported", "-o",
                         (*dir_ / "libc-shim.so").string()},
                        clean_env());
    ASSERT_EQ(r.describe(), "exit 0") << r.err;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override {
    reports_ = *dir_ / testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(reports_);
    fs::create_directories(reports_);
  }
  static Env clean_env() { return without_probe(current_environment()); }
  static fs::path shim() { return *dir_ / "libc-shim.so"; }
  Env shim_env() const {
    Env env = clean_env();
    env["LD_PRELOAD"] = shim().string();
    env["PROBE_SHIM_FORMAT"] = "json";
    env["PROBE_SHIM_REPORT"] = (reports_ / "r.%p.%m.json").string();
    return env;
  }
  // Control and shimmed run of argv: identical to the host. Returns the shimmed run.
  ExecResult run_pair(const std::vector<std::string>& argv) const {
    ExecOptions opt;
    opt.timeout = std::chrono::seconds(60);
    ExecResult control = exec(argv, clean_env(), opt), shimmed = exec(argv, shim_env(), opt);
    EXPECT_EQ(shimmed.describe(), control.describe()) << shimmed.err;
    EXPECT_EQ(shimmed.out, control.out) << argv[0];
    EXPECT_EQ(shimmed.err, control.err) << argv[0];
    return shimmed;
  }
  // Calls of `symbol` from `object` (file name) summed over every report of the run.
  std::uint64_t calls(const std::string& symbol, const std::string& object) const {
    std::uint64_t n = 0;
    for (auto& f : fs::directory_iterator(reports_))
      n += report_at(f.path()).calls_from(symbol, object);
    return n;
  }
  // Control run and a run with `shim` preloaded (and `extra` set): identical status and output.
  // Returns the run's reports by process id.
  std::map<long, ProbeReport> run_by_pid(const fs::path& shim, const std::vector<std::string>& argv,
                                         const Env& extra = {}) const {
    fs::remove_all(reports_);
    fs::create_directories(reports_);
    Env env = shim_env();
    env["LD_PRELOAD"] = shim.string();
    for (auto& [k, v] : extra) env[k] = v;
    ExecResult control = exec(argv, clean_env()), shimmed = exec(argv, env);
    EXPECT_EQ(shimmed.describe(), control.describe()) << shimmed.err;
    EXPECT_EQ(shimmed.out, control.out) << argv[0];
    std::map<long, ProbeReport> by_pid;
    for (auto& f : fs::directory_iterator(reports_)) {
      ProbeReport r = report_at(f.path());
      by_pid[r.pid] = r;
    }
    return by_pid;
  }
  // The parent's and the child's of two reports (pids may wrap: the child names its parent).
  static std::pair<const ProbeReport*, const ProbeReport*> parent_and_child(
      const std::map<long, ProbeReport>& two) {
    const ProbeReport* parent = &two.begin()->second;
    const ProbeReport* child = &std::next(two.begin())->second;
    if (parent->raw["process"]["ppid"] == child->pid) std::swap(parent, child);
    EXPECT_EQ(child->raw["process"]["ppid"], parent->pid);
    return {parent, child};
  }
  std::size_t report_count() const {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(reports_), fs::directory_iterator{}));
  }
  static fs::path* dir_;
  fs::path reports_;
};
fs::path* LibcShim::dir_ = nullptr;

TEST_F(LibcShim, TrueAndLsRunUnchanged) {
  run_pair({"/bin/true"});
  EXPECT_EQ(calls("__libc_start_main", "true"), 1u);
  run_pair({"/bin/ls", "-l", "/usr"});
  EXPECT_GT(calls("strcoll", "ls"), 0u) << "ls sorts its listing";
  EXPECT_GT(calls("readdir", "ls") + calls("readdir64", "ls"), 0u);
}

TEST_F(LibcShim, ShellPipelineAndExecRunUnchanged) {
  // dash ends through _exit (no report of its own); ls and wc report theirs.
  run_pair({"/bin/sh", "-c", "echo hi; ls / | wc -l; exec ls /usr"});
  EXPECT_GE(report_count(), 3u);
  EXPECT_GT(calls("strcoll", "ls"), 0u);
}

TEST_F(LibcShim, PythonRunsUnchanged) {
  run_pair({"/usr/bin/python3.11", "-c",
            "import json, threading\n"
            "out = []\n"
            "t = [threading.Thread(target=lambda i=i: out.append(json.dumps(list(range(i))))) "
            "for i in range(4)]\n"
            "[x.start() for x in t]; [x.join() for x in t]\n"
            "print(sorted(out))\n"});
  EXPECT_GT(calls("pthread_create", "python3.11"), 0u);
}

TEST_F(LibcShim, ThreadsForkAndExecRunUnchanged) {
  run_pair({THREAD_APP, "4", "1000"});
  for (const char* how : {"fork_exit", "fork_exec", "posix_spawn", "vfork_exec"}) {
    fs::remove_all(reports_);
    fs::create_directories(reports_);
    run_pair({SPAWN_APP, how});
    EXPECT_EQ(report_count(), 2u) << how << ": the parent and the child";
  }
}

// PROBE_SHIM_BYPASS=1 on a shim of libc's __libc_malloc only: malloc itself is never trampolined
// (the shim runtime calls it; tools/shim skips it), and glibc exports __libc_malloc at malloc's
// very address (`nm -D libc.so.6`), so every malloc call arrives at the patched entry without
// passing the trampoline: bypassed, from the program. thread_app's 4 threads make 4 x 1000 calls
// at once (per-thread tables: exact); fork_app's parent makes 3 + 7 and its child 5, and the
// child's report starts from zero, as the shim's other counts do (its libc-internal calls, such
// as printf's stdout buffer, are libc's, not the program's).
TEST_F(LibcShim, BypassCountsAreExactUnderThreadsAndInAForkChild) {
  const fs::path one = *dir_ / "libc-malloc-shim.so";
  ExecResult made = exec(
      {TEST_INTERPROBE, "shim", "--lib", kLibc, "--symbols", "__libc_malloc", "-o", one.string()},
      clean_env());
  ASSERT_EQ(made.describe(), "exit 0") << made.err;
  auto run = [&](const std::vector<std::string>& argv) {
    return run_by_pid(one, argv, {{"PROBE_SHIM_BYPASS", "1"}});
  };
  auto threads = run({THREAD_APP, "4", "1000"});
  ASSERT_EQ(threads.size(), 1u);
  const ProbeReport& t = threads.begin()->second;
  ASSERT_TRUE(t.bypass.count("__libc_malloc")) << t.raw.dump(1);
  EXPECT_TRUE(t.bypass.at("__libc_malloc").patched) << t.bypass.at("__libc_malloc").refused;
  EXPECT_EQ(t.bypassed_from("__libc_malloc", fs::path(THREAD_APP).filename()), 4000u);
  EXPECT_EQ(t.bypass.at("__libc_malloc").through, 0u);

  auto forked = run({FORK_APP});
  ASSERT_EQ(forked.size(), 2u);
  const std::string app = fs::path(FORK_APP).filename();
  const auto [parent, child] = parent_and_child(forked);
  EXPECT_EQ(parent->bypassed_from("__libc_malloc", app), 10u);
  EXPECT_EQ(child->bypassed_from("__libc_malloc", app), 5u);
}

// The trampolines' fast path (preload/shim/trampoline_x86_64.S: a call counted through its site in
// the thread's table, without a call into the runtime) is exact where its sites could be wrong:
// a table given back at thread exit and reused, with its sites, by the next waves' threads; every
// site gone stale when dlopen and dlclose change the object map; a fork child whose counts restart
// from zero. sites_app.c says how many calls each process makes. Without PROBE_SHIM_BYPASS (which
// keeps every call off the fast path); the control run is the same program without the shim.
TEST_F(LibcShim, FastPathCountsAreExactAcrossThreadExitMapChangesAndFork) {
  const fs::path one = *dir_ / "libc-time-shim.so";
  ExecResult made = exec(
      {TEST_INTERPROBE, "shim", "--lib", kLibc, "--symbols", "time", "-o", one.string()},
      clean_env());
  ASSERT_EQ(made.describe(), "exit 0") << made.err;
  auto reports = run_by_pid(one, {SITES_APP});
  ASSERT_EQ(reports.size(), 2u);
  const auto [parent, child] = parent_and_child(reports);
  const std::string app = fs::path(SITES_APP).filename();
  EXPECT_EQ(parent->calls_from("time", app), 121'700u) << parent->raw.dump(1);
  EXPECT_EQ(child->calls_from("time", app), 500u) << child->raw.dump(1);
}

TEST_F(LibcShim, HoldsNoDescriptorOfTheHost) {
  run_pair({FDS_APP});  // prints the descriptor table: the shim's own stays empty
}

TEST_F(LibcShim, RunShimForLibcWorks) {
  // The second reproduction: `interprobe run --shim-for libc.so.6 -- ls` exited 139.
  ExecResult control = exec({"/bin/ls", "/usr"}, clean_env());
  ExecResult r =
      exec({TEST_INTERPROBE, "run", "--shim-for", kLibc, "--", "/bin/ls", "/usr"}, clean_env());
  EXPECT_EQ(r.describe(), "exit 0") << r.err;
  EXPECT_EQ(r.out, control.out);
  EXPECT_TRUE(std::regex_search(r.err, std::regex("\\nstrcoll +[1-9]"))) << r.err;
}

// The resolution path must not call out: an undefined function symbol there would be a call that
// a shim of libc could trampoline. Only data (_r_debug, the GOT) may be referenced.
TEST(LibcShimRuntime, TheLookupObjectCallsNothing) {
  ExecResult nm = exec({"nm", "-u", SHIM_LOOKUP_OBJECT}, without_probe(current_environment()));
  ASSERT_EQ(nm.describe(), "exit 0") << nm.err;
  std::istringstream in(nm.out);
  std::vector<std::string> undefined;
  for (std::string kind, name; in >> kind >> name;) undefined.push_back(name);
  EXPECT_EQ(undefined, (std::vector<std::string>{"_GLOBAL_OFFSET_TABLE_", "_r_debug"})) << nm.out;
}

}  // namespace
