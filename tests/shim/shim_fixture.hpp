// shim_fixture.hpp — what the generated-shim tests share (../shim_test.cpp for this machine,
// shim_aarch64_test.cpp under qemu-aarch64): `interprobe shim` run on a library, and a program
// run twice, without and with the shim preloaded, whose stdout, stderr and exit status must be
// the same, the shim's JSON report read back. A subclass for another machine runs the program
// under its emulator (run()).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "exec.hpp"
#include "files.hpp"
#include "matrix.hpp"
#include "probe_report.hpp"
#include "scratch.hpp"

namespace test_support {

using interprobe::Env;
using interprobe::ExecResult;
using interprobe::ProbeReport;

inline Env clean_env() { return interprobe::without_probe(interprobe::current_environment()); }

class ShimFixture : public testing::Test {
 protected:
  explicit ShimFixture(const char* scratch_tag) : scratch_(scratch_tag) {}
  void SetUp() override { ASSERT_FALSE(dir_.empty()); }

  // Runs `interprobe shim --lib LIB -o OUT ARGS...`.
  static ExecResult generate(const std::string& lib, std::vector<std::string> args,
                             const std::filesystem::path& out, const Env& env = clean_env()) {
    std::vector<std::string> argv = {TEST_INTERPROBE, "shim", "--lib", lib, "-o", out.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return interprobe::exec(argv, env);
  }
  std::filesystem::path make_shim(const std::string& lib, const std::string& name,
                                  std::vector<std::string> args = {"--all-exported"}) {
    std::filesystem::path out = dir_ / name;
    ExecResult r = generate(lib, args, out);
    EXPECT_EQ(r.describe(), "exit 0") << r.err << r.out;
    return out;
  }
  // Runs argv with clean_env() and `extra` in its environment (on this machine: exec).
  virtual ExecResult run(const std::vector<std::string>& argv, const Env& extra) const {
    Env env = clean_env();
    for (const auto& [k, v] : extra) env[k] = v;
    return interprobe::exec(argv, env);
  }
  // Control run, then the same with the shim preloaded; the program must see no difference.
  ProbeReport run_pair(const std::vector<std::string>& argv, const std::filesystem::path& shim,
                       std::string* out = nullptr, const Env& extra = {}) {
    ExecResult control = run(argv, {});
    EXPECT_EQ(control.describe(), "exit 0") << control.err;
    Env env = extra;
    env["LD_PRELOAD"] = shim.string();
    env["PROBE_SHIM_FORMAT"] = "json";
    env["PROBE_SHIM_REPORT"] = (dir_ / "report.json").string();
    ExecResult shimmed = run(argv, env);
    EXPECT_EQ(shimmed.out, control.out) << "stdout changed by the shim";
    EXPECT_EQ(shimmed.describe(), control.describe()) << shimmed.err;
    EXPECT_EQ(shimmed.err, control.err) << "the shim wrote to stderr";
    if (out != nullptr) *out = control.out;
    std::string error;
    auto r = interprobe::parse_probe_report(slurp(dir_ / "report.json"), &error);
    EXPECT_TRUE(r) << error;
    std::filesystem::remove(dir_ / "report.json");
    return r ? *r : ProbeReport{};
  }
  ScratchDir scratch_;
  const std::filesystem::path& dir_ = scratch_.path();
};

// The victim's variant `v` built for `probe` (its libprobe.so, app and launcher): on every path
// whose target is a victim function, the calls `shim` counts from the path's caller equal those
// libprobe.so's hand-written overrides count. libprobe changes the values (its overrides add a
// mark) and the shim does not, so their verdicts differ by design; the counts, the witness of
// "did the override run", must not. Returns how many of the compared targets were interposed.
struct VictimComparison {
  int compared = 0, interposed = 0, bypassed = 0;
};
inline VictimComparison compare_with_libprobe(const interprobe::Matrix& m,
                                              const interprobe::Artifacts& probe,
                                              const interprobe::VariantSpec& v,
                                              const std::string& shim_path) {
  interprobe::Artifacts shim = probe;
  shim.probe = shim_path;
  VictimComparison c;
  for (const interprobe::PathSpec& p : m.paths) {
    if (p.symbols.empty() || p.symbols[0].rfind("victim_", 0) != 0) continue;  // malloc, time, data
    const interprobe::Observation with_probe = observe(probe, v, p),
                                  with_shim = observe(shim, v, p);
    EXPECT_TRUE(with_probe.problem.empty()) << with_probe.problem;
    EXPECT_TRUE(with_shim.problem.empty()) << with_shim.problem;
    if (!with_probe.problem.empty() || !with_shim.problem.empty()) continue;
    EXPECT_EQ(with_shim.control_value, with_shim.probed_value)
        << p.name << ": a trampoline changed the result";
    for (const std::string& s : p.symbols) {
      EXPECT_EQ(with_shim.calls.at(s), with_probe.calls.at(s))
          << v.name << " " << p.name << " " << s << " from " << with_probe.caller_object;
      ++c.compared;
      (with_probe.calls.at(s) != 0 ? c.interposed : c.bypassed)++;
    }
  }
  EXPECT_EQ(c.compared, 8);  // every path whose target is a victim function
  EXPECT_GT(c.interposed, 0) << "app_direct is always interposed";
  return c;
}

// zlib_app.c's run (`out`, its stdout) under a shim of libz: the shim counted exactly the calls
// the program says it made.
inline void expect_zlib_app_counts(const ProbeReport& r, const std::string& out,
                                   const std::string& app) {
  std::smatch m;  // "crc XXXXXXXX compress2 N uncompress N crc32 N": the program's own counts
  ASSERT_TRUE(
      std::regex_search(out, m, std::regex("compress2 (\\d+) uncompress (\\d+) crc32 (\\d+)")))
      << out;
  const std::string name = std::filesystem::path(app).filename();
  EXPECT_EQ(r.calls_from("compress2", name), std::stoull(m[1]));
  EXPECT_EQ(r.calls_from("uncompress", name), std::stoull(m[2]));
  EXPECT_EQ(r.calls_from("crc32", name), std::stoull(m[3]));
  EXPECT_GT(r.raw["symbols"].size(), 80u) << "libz exports ~90 functions";
}

}  // namespace test_support
