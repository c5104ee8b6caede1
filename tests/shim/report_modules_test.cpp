// report_modules_test.cpp — every preloaded module of every process gets its own report, and the
// probe's notices never reach the host's output (issue 11 item 4; docs/REPORT_FORMAT.md "Where it
// goes"): two shims in one process, with and without %m; `interprobe run` collecting a shim of
// the caller's LD_PRELOAD next to libprobe's report; `--report -`; settings.report showing the
// user's path rather than run's private one (issue 12 item 13).
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "exec.hpp"
#include "files.hpp"
#include "scratch.hpp"

namespace {

using namespace interprobe;
namespace fs = std::filesystem;

class Modules : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_dir() / testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "reports");
    // Two shims of libz, one per function group: both preloaded, each counts its own.
    shim_a_ = make_shim({"--symbols", "compress2,uncompress"}, "libz-a.so");
    shim_b_ = make_shim({"--symbols", "crc32"}, "libz-b.so");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path make_shim(std::vector<std::string> args, const std::string& name) {
    std::vector<std::string> argv = {TEST_INTERPROBE, "shim", "--lib",
                                     SHIM_ZLIB_SO,    "-o",   (dir_ / name).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    ExecResult r = exec(argv, clean_env());
    EXPECT_EQ(r.describe(), "exit 0") << r.err;
    return dir_ / name;
  }
  static Env clean_env() { return without_probe(current_environment()); }
  std::vector<fs::path> reports() const {
    std::vector<fs::path> v(fs::directory_iterator(dir_ / "reports"), fs::directory_iterator{});
    std::sort(v.begin(), v.end());
    return v;
  }
  // The counts zlib_app prints of its own calls.
  static std::uint64_t printed(const std::string& out, const std::string& fn) {
    std::smatch m;
    if (!std::regex_search(out, m, std::regex(fn + " (\\d+)"))) return 0;
    return std::stoull(m[1]);
  }
  fs::path dir_, shim_a_, shim_b_;
};

TEST_F(Modules, TwoShimsInOneProcessWriteTwoReports) {
  const ExecResult control = exec({SHIM_ZLIB_APP}, clean_env());
  ASSERT_EQ(control.describe(), "exit 0");
  const std::string app = fs::path(SHIM_ZLIB_APP).filename();
  // %m: one file per module by name. %p only (the case): the second finds the name taken
  // and takes the next free one, saying so in its own report. Never a word on stderr.
  for (const char* templ : {"r.%p.%m.json", "r.%p.json"}) {
    for (auto& f : reports()) fs::remove(f);
    Env env = clean_env();
    env["LD_PRELOAD"] = shim_a_.string() + ":" + shim_b_.string();
    env["PROBE_SHIM_FORMAT"] = "json";
    env["PROBE_SHIM_REPORT"] = (dir_ / "reports" / templ).string();
    ExecResult r = exec({SHIM_ZLIB_APP}, env);
    EXPECT_EQ(r.out, control.out);
    EXPECT_EQ(r.describe(), control.describe());
    EXPECT_EQ(r.err, "") << templ;
    const auto files = reports();
    ASSERT_EQ(files.size(), 2u) << templ;
    std::uint64_t compress = 0, crc = 0;
    int notices = 0;
    for (auto& f : files) {
      ProbeReport rep = report_at(f);
      compress += rep.calls_from("compress2", app);
      crc += rep.calls_from("crc32", app);
      notices += static_cast<int>(rep.raw["notices"].size());
      const std::string library = rep.raw["shim"]["library"];
      EXPECT_EQ(library, SHIM_ZLIB_SO);
    }
    EXPECT_EQ(compress, printed(control.out, "compress2")) << templ;
    EXPECT_EQ(crc, printed(control.out, "crc32")) << templ;
    if (std::string(templ) == "r.%p.%m.json") {
      EXPECT_EQ(notices, 0);
      EXPECT_NE(files[0].filename().string().find(".libz-a.so.json"), std::string::npos)
          << files[0];
      EXPECT_NE(files[1].filename().string().find(".libz-b.so.json"), std::string::npos)
          << files[1];
    } else {
      EXPECT_EQ(notices, 1) << "the second module's report says where it went and why";
    }
  }
}

// `interprobe run` points PROBE_REPORT at report.%p.%m: a shim in the caller's LD_PRELOAD that
// falls back to PROBE_REPORT gets its own file, and --report PATH delivers it beside the probe's.
TEST_F(Modules, RunCollectsEveryModulesReport) {
  Env env = clean_env();
  env["LD_PRELOAD"] = shim_b_.string();
  const fs::path target = dir_ / "out.json";
  ExecResult r = exec({TEST_INTERPROBE, "run", "--probe", TEST_PROBE, "--format", "json",
                       "--report", target.string(), "--", SHIM_ZLIB_APP},
                      env);
  ASSERT_EQ(r.describe(), "exit 0") << r.err;
  ProbeReport probe = report_at(target);
  EXPECT_GT(probe.total("malloc") + probe.total("free"), 0u);
  EXPECT_EQ(probe.settings["report"], target.string()) << "the user's path, not run's private one";
  const fs::path shim_report =
      target.string() + "." + std::to_string(probe.pid) + "." + shim_b_.filename().string();
  ASSERT_TRUE(fs::exists(shim_report)) << r.err;
  ProbeReport shim = report_at(shim_report);
  EXPECT_GT(shim.calls_from("crc32", fs::path(SHIM_ZLIB_APP).filename()), 0u);
}

TEST_F(Modules, RunReportDashIsStdout) {
  const ExecResult control = exec({SHIM_ZLIB_APP}, clean_env());
  for (const char* report : {"-", ""}) {
    std::vector<std::string> argv = {TEST_INTERPROBE, "run",      "--probe",
                                     TEST_PROBE,      "--format", "json"};
    if (*report != '\0') argv.insert(argv.end(), {"--report", report});
    argv.insert(argv.end(), {"--", SHIM_ZLIB_APP});
    ExecResult r = exec(argv, clean_env());
    ASSERT_EQ(r.describe(), "exit 0") << r.err;
    const std::string& where = *report != '\0' ? r.out : r.err;
    ASSERT_EQ(where.rfind(*report != '\0' ? control.out : "", 0), 0u)
        << "the command's output first";
    std::string error;
    auto rep = parse_probe_report(where.substr(*report != '\0' ? control.out.size() : 0), &error);
    ASSERT_TRUE(rep) << error << where;
    EXPECT_EQ(rep->settings["report"], report) << "\"-\" for stdout, \"\" for stderr";
    EXPECT_FALSE(fs::exists("-"));
    if (*report != '\0') {
      EXPECT_EQ(r.err, "");
    }
  }
}

}  // namespace
