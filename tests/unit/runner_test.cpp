// runner_test.cpp — the runner's pure parts: verdict classification, the matrix file's checks,
// the probe report reader, and the exec helper.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "exec.hpp"
#include "matrix.hpp"
#include "probe_report.hpp"

namespace {

using namespace interprobe;

TEST(Classify, EveryCombination) {
  EXPECT_EQ(classify(Observe::value, true, true), Verdict::interposed);
  EXPECT_EQ(classify(Observe::value, false, false), Verdict::bypassed);
  EXPECT_EQ(classify(Observe::value, true, false), Verdict::ran_unused);
  EXPECT_EQ(classify(Observe::value, false, true), Verdict::inconsistent);
  EXPECT_EQ(classify(Observe::count, true, false), Verdict::interposed);
  EXPECT_EQ(classify(Observe::count, false, false), Verdict::bypassed);
}

TEST(MatrixFile, TheBundledTableLoadsAndCoversEveryCell) {
  Matrix m = load_matrix(TEST_MATRIX);
  EXPECT_GE(m.variants.size(), 12u);
  EXPECT_GE(m.paths.size(), 10u);
  for (auto& v : m.variants) EXPECT_EQ(v.expect.size(), m.paths.size()) << v.name;
}

class MatrixFileErrors : public testing::Test {
 protected:
  // A unique file: ctest runs tests in parallel, and other builds may run theirs on the machine.
  std::string write(const std::string& text) {
    std::string templ = (std::filesystem::temp_directory_path() / "interprobe-matrix-XXXXXX").string();
    int fd = mkstemp(templ.data());
    if (fd >= 0) close(fd);
    path_ = templ;
    std::ofstream(path_) << text;
    return path_.string();
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::filesystem::path path_;
};

TEST_F(MatrixFileErrors, UnknownVerdictIsNamed) {
  auto f = write(R"({"about":"","paths":[{"name":"p","symbols":[],"caller":"lib","observe":"value","about":""}],
    "variants":[{"name":"v","compiler":"gcc","cflags":"","ldflags":"","about":"","expect":{"p":"maybe"}}]})");
  try {
    load_matrix(f);
    FAIL() << "accepted an unknown verdict";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'maybe'"), std::string::npos) << e.what();
  }
}

TEST_F(MatrixFileErrors, MissingCellIsNamed) {
  auto f = write(R"({"about":"","paths":[{"name":"p","symbols":[],"caller":"lib","observe":"value","about":""}],
    "variants":[{"name":"v","compiler":"gcc","cflags":"","ldflags":"","about":"","expect":{}}]})");
  EXPECT_THROW(load_matrix(f), std::runtime_error);
}

TEST_F(MatrixFileErrors, MissingFileAndBadJson) {
  EXPECT_THROW(load_matrix("/nonexistent/matrix.json"), std::runtime_error);
  EXPECT_THROW(load_matrix(write("{not json")), std::runtime_error);
}

TEST(ProbeReportReader, RejectsWhatIsNotAReport) {
  std::string error;
  EXPECT_FALSE(parse_probe_report("", &error));
  EXPECT_FALSE(parse_probe_report("{\"tool\":\"other\"}", &error));
  EXPECT_NE(error.find("interprobe-probe"), std::string::npos);
  EXPECT_FALSE(parse_probe_report("{\"tool\":\"interprobe-probe\",\"schema\":99}", &error));
  EXPECT_NE(error.find("99"), std::string::npos);
}

TEST(ProbeReportReader, SumsCallsByObjectFileName) {
  auto r = parse_probe_report(R"({"tool":"interprobe-probe","schema":1,"symbols":[
     {"name":"malloc","callers":[{"object":"/a/libx.so","count":2},{"object":"/b/libx.so","count":3},
                                  {"object":"/a/app","count":1}]}]})",
                              nullptr);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->calls_from("malloc", "libx.so"), 5u);
  EXPECT_EQ(r->calls_from("malloc", "app"), 1u);
  EXPECT_EQ(r->total("malloc"), 6u);
  EXPECT_EQ(r->total("free"), 0u);
}

TEST(Exec, CapturesOutputsAndStatus) {
  auto r = exec({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, {});
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(Exec, ExplicitEnvironmentOnly) {
  auto r = exec({"/usr/bin/env"}, {{"ONLY", "this"}});
  EXPECT_EQ(r.out, "ONLY=this\n");
}

TEST(Exec, MissingProgramAndTimeout) {
  auto missing = exec({"/nonexistent/program"}, {});
  EXPECT_TRUE(missing.spawn_failed);
  auto slow = exec({"/bin/sleep", "10"}, {}, ExecOptions{std::chrono::milliseconds(200), ""});
  EXPECT_TRUE(slow.timed_out);
}

}  // namespace

namespace {

TEST(Exec, WithoutProbeDropsProbeSettingsAndOptionallyThePreload) {
  interprobe::Env env = {{"LD_PRELOAD", "/x/libprobe.so"}, {"PROBE_REPORT", "/r"},
                         {"PROBE_FORMAT", "json"}, {"PATH", "/bin"}, {"XPROBE_KEEP", "1"}};
  EXPECT_EQ(interprobe::without_probe(env),
            (interprobe::Env{{"PATH", "/bin"}, {"XPROBE_KEEP", "1"}}));
  EXPECT_EQ(interprobe::without_probe(env, /*drop_preload=*/false),
            (interprobe::Env{{"LD_PRELOAD", "/x/libprobe.so"}, {"PATH", "/bin"}, {"XPROBE_KEEP", "1"}}));
}

}  // namespace
