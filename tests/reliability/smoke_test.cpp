// smoke_test.cpp — real programs of the machine under the probe, each paired with a control run:
// stdout and exit status must be identical, and the probe must have reported (to PROBE_REPORT:
// ls and sort close their stderr before the probe reports, and the probe keeps no copy of it).
// Plus one valgrind run of the dlopen/dlclose program (no invalid access in the probe across
// unloads).
#include <unistd.h>

#include <fstream>

#include "fixture.hpp"

namespace reliability {
namespace {

class Smoke : public ProbeHost {
 protected:
  Env probe_env() const {
    Env env = ProbeHost::probe_env();
    env["PROBE_REPORT"] = (dir_ / "report.%p.txt").string();
    return env;
  }
  // One text report per process of the command, and nothing from the probe on its stderr.
  void expect_report(const ExecResult& r) const {
    EXPECT_EQ(r.err.find("interprobe"), std::string::npos) << r.err.substr(0, 2000);
    int reports = 0;
    for (auto& f : files()) {
      if (f.filename().string().rfind("report.", 0) != 0) continue;
      ++reports;
      EXPECT_EQ(slurp(f).rfind("== interprobe probe", 0), 0u) << f;
    }
    EXPECT_GT(reports, 0);
  }
};

TEST_F(Smoke, LsRecursiveOverUsrInclude) {
  expect_report(run_pair({"/bin/ls", "-lR", "/usr/include"}, probe_env()));
}

TEST_F(Smoke, PythonWithThreads) {
  const char* code =
      "import threading, json\n"
      "out = [None] * 8\n"
      "def work(i): out[i] = sum(len(json.dumps(list(range(n)))) for n in range(300))\n"
      "ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]\n"
      "[t.start() for t in ts]; [t.join() for t in ts]\n"
      "print(out)\n";
  expect_report(run_pair({"/usr/bin/python3", "-c", code}, probe_env()));
}

TEST_F(Smoke, GitStatusInATemporaryRepository) {
  const fs::path repo = dir_ / "repo";
  ASSERT_EQ(exec({"git", "init", "-q", repo.string()}, base_env()).describe(), "exit 0");
  std::ofstream(repo / "a.txt") << "a\n";
  std::vector<std::string> argv = {"git", "-C", repo.string(), "status", "--porcelain"};
  ExecResult r = run_pair(argv, probe_env());
  EXPECT_EQ(r.out, "?? a.txt\n");
  expect_report(r);
}

TEST_F(Smoke, SortTwentyMegabytes) {
  {
    std::ofstream big(dir_ / "big.txt");
    std::uint64_t x = 88172645463325252ull;  // xorshift: the same file every run
    for (int i = 0; i < 1'200'000; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      big << x << '\n';
    }
  }
  ASSERT_GT(fs::file_size(dir_ / "big.txt"), 20'000'000u);
  Env env = probe_env();
  env["LC_ALL"] = "C";
  ExecOptions opt;
  opt.timeout = std::chrono::seconds(120);
  ExecResult r = run_pair({"/usr/bin/sort", (dir_ / "big.txt").string()}, env, opt);
  EXPECT_EQ(r.out.size(), fs::file_size(dir_ / "big.txt"));
  expect_report(r);
}

TEST_F(Smoke, CmakeVersion) { expect_report(run_pair({"cmake", "--version"}, probe_env())); }

TEST_F(Smoke, ValgrindFindsNoErrorAcrossDlopenAndDlclose) {
  if (access("/usr/bin/valgrind", X_OK) != 0) GTEST_SKIP() << "valgrind not installed";
  Env env = probe_env();
  ExecOptions opt;
  opt.timeout = std::chrono::seconds(240);
  ExecResult r = exec({"/usr/bin/valgrind", "-q", "--error-exitcode=99", program("dlmodes_app"),
                       "global", "20"},
                      env, opt);
  EXPECT_EQ(r.describe(), "exit 0") << r.err.substr(0, 4000);
  EXPECT_EQ(r.out.substr(0, 26), "round 0 check -1 direct 0\n") << "the override ran under valgrind";
}

// issue 11: `cmake -S . -B b` under the probe with a PROBE_REPORT without %p failed — a child of
// cmake found the report file taken, said so on the stderr cmake captured from `uname -m`, and
// CMAKE_SYSTEM_PROCESSOR became "x86_64\ninterprobe: report file ...". Dozens of processes write
// to one path here: every report lands in a free name, every notice in a report.
TEST_F(Smoke, CmakeConfiguresATinyProjectWithOneReportPathForAllItsChildren) {
  if (access("/usr/bin/cmake", X_OK) != 0) GTEST_SKIP() << "cmake not installed";
  const fs::path src = dir_ / "src";
  fs::create_directories(src);
  std::ofstream(src / "CMakeLists.txt") << "cmake_minimum_required(VERSION 3.20)\n"
                                           "project(tiny C)\n"
                                           "add_executable(tiny main.c)\n";
  std::ofstream(src / "main.c") << "int main(void) { return 0; }\n";
  ExecOptions opt;
  opt.timeout = std::chrono::seconds(240);
  auto configure = [&](const char* build, const Env& env) {
    return exec({"/usr/bin/cmake", "-S", src.string(), "-B", (dir_ / build).string()}, env, opt);
  };
  ExecResult control = configure("control", base_env());
  ASSERT_EQ(control.describe(), "exit 0") << control.err;
  Env env = ProbeHost::probe_env();
  env["PROBE_REPORT"] = (dir_ / "r.txt").string();  // no %p
  ExecResult probed = configure("probed", env);
  EXPECT_EQ(probed.describe(), "exit 0") << probed.err;
  EXPECT_EQ(probed.err, control.err);
  // The value cmake took from `uname -m`, as it wrote it down.
  auto system_cmake = [&](const char* build) {
    for (auto& e : fs::recursive_directory_iterator(dir_ / build))
      if (e.path().filename() == "CMakeSystem.cmake") return slurp(e.path());
    return std::string("(no CMakeSystem.cmake)");
  };
  EXPECT_EQ(system_cmake("probed"), system_cmake("control"));
  int reports = 0;
  for (auto& f : files())
    if (f.filename().string().rfind("r.txt", 0) == 0) ++reports;
  EXPECT_GT(reports, 5) << "cmake runs many processes, each reports";
}

}  // namespace
}  // namespace reliability
