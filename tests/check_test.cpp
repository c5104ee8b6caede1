// check_test.cpp — `interprobe check`, called directly: bad input fails with a one-line reason and
// exit status 2 (never a pass), and on the bundled victim its verdicts agree with the truth table
// (victim/matrix.json) for every built variant and every call path made from inside the library.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "exec.hpp"
#include "matrix.hpp"

namespace {

using namespace interprobe;
namespace fs = std::filesystem;

std::string variant_lib(const std::string& variant) {
  return std::string(TEST_VARIANTS) + "/" + variant + "/libvictim.so.1";
}

// interprobe check with the build's probe; LD_LIBRARY_PATH picks the variant that victim_app
// (which has no RUNPATH) loads.
ExecResult check(std::vector<std::string> args, const std::string& variant = "gcc-O2") {
  args.insert(args.begin(), {TEST_INTERPROBE, "check", "--probe", TEST_PROBE});
  Env env = current_environment();
  env.erase("LD_PRELOAD");
  env["LD_LIBRARY_PATH"] = std::string(TEST_VARIANTS) + "/" + variant;
  return exec(args, env);
}

// A status-2 failure with exactly one line on stderr that contains `what`.
void expect_one_line_error(const ExecResult& r, const std::string& what) {
  EXPECT_EQ(r.exit_status, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.out.find("result: ok"), std::string::npos) << r.out;
}

TEST(CheckBadInput, MissingLibrary) {
  expect_one_line_error(
      check({"--library", "/nonexistent/libfoo.so", "--symbols", "victim_err_occurred", "--expect",
             "bound", "--", TEST_APP, "accessor_same_tu"}),
      "library '/nonexistent/libfoo.so': not found");
}

TEST(CheckBadInput, NotASharedLibrary) {
  expect_one_line_error(check({"--library", TEST_APP, "--symbols", "victim_err_occurred",
                               "--expect", "bound", "--", TEST_APP, "accessor_same_tu"}),
                        "is an executable (PIE), not a shared library");
  expect_one_line_error(check({"--library", TEST_MATRIX, "--symbols", "victim_err_occurred",
                               "--expect", "bound", "--", TEST_APP, "accessor_same_tu"}),
                        "is not an ELF file");
}

TEST(CheckBadInput, SymbolNotInLibrary) {
  // A misspelt symbol would otherwise be "bound" (no call counted) and pass.
  expect_one_line_error(
      check({"--library", variant_lib("gcc-O2"), "--symbols", "victim_err_ocurred", "--expect",
             "bound", "--", TEST_APP, "accessor_same_tu"}),
      "'victim_err_ocurred' is not in the dynamic symbol table");
  // malloc is only imported by the victim: its calls never depend on the victim's flags.
  expect_one_line_error(check({"--library", variant_lib("gcc-O2"), "--symbols", "malloc",
                               "--expect", "bound", "--", TEST_APP, "lib_malloc"}),
                        "does not define 'malloc'");
}

TEST(CheckBadInput, RunCommandCannotStartOrFails) {
  expect_one_line_error(
      check({"--library", variant_lib("gcc-O2"), "--symbols", "victim_err_occurred", "--expect",
             "bound", "--", "interprobe-no-such-command"}),
      "RUN command could not be started: interprobe-no-such-command: command not found");
  // victim_app with an unknown path exits 2 on its own, without the probe.
  expect_one_line_error(
      check({"--library", variant_lib("gcc-O2"), "--symbols", "victim_err_occurred", "--expect",
             "bound", "--", TEST_APP, "no_such_path"}),
      "RUN command fails without the probe");
}

TEST(CheckBadInput, RunCommandDoesNotLoadTheLibrary) {
  // The app loads the gcc-O2 build; checking the nosi build's file with it would say "bound"
  // for a library that never ran.
  expect_one_line_error(
      check({"--library", variant_lib("gcc-O2-nosi"), "--symbols", "victim_err_occurred",
             "--expect", "bound", "--", TEST_APP, "accessor_same_tu"},
            "gcc-O2"),
      "RUN command never loaded");
}

TEST(CheckBadInput, SymbolTheProbeDoesNotOverride) {
  expect_one_line_error(
      check({"--library", variant_lib("gcc-O2"), "--symbols", "victim_check_result", "--expect",
             "bound", "--", TEST_APP, "accessor_same_tu"}),
      "libprobe.so does not override it");
}

TEST(CheckBadInput, NothingCheckedIsNotAPass) {
  auto r = check({"--library", variant_lib("gcc-O2"), "--symbols", "victim_err_occurred",
                  "--expect", "bound"});
  expect_one_line_error(r, "nothing was checked");
  EXPECT_NE(r.out.find("static: not checked: interprobe scan unavailable"), std::string::npos)
      << r.out;
}

TEST(CheckBadInput, UsageErrors) {
  EXPECT_EQ(check({"--library", variant_lib("gcc-O2"), "--symbols", "victim_err_occurred",
                   "--expect", "maybe"})
                .exit_status,
            2);
  EXPECT_EQ(check({"--symbols", "victim_err_occurred", "--expect", "bound"}).exit_status, 2);
  EXPECT_EQ(
      check({"--library", variant_lib("gcc-O2"), "--symbols", "x", "--expect", "bound", "--bogus"})
          .exit_status,
      2);
}

// The verdict the truth table gives, as an expectation for `interprobe check`: the probe counts
// a call whenever the override ran, so ran_unused (the caller then used its own folded result)
// is interposable too.
std::string expectation(Verdict v) { return v == Verdict::bypassed ? "bound" : "interposable"; }

class CheckAgreesWithMatrix : public testing::TestWithParam<std::string> {};

TEST_P(CheckAgreesWithMatrix, ForEveryLibraryCallPath) {
  const Matrix m = load_matrix(TEST_MATRIX);
  const VariantSpec& v = m.variant(GetParam());
  if (!fs::exists(variant_lib(v.name))) GTEST_SKIP() << v.name << " not built (compiler missing)";
  int checked = 0;
  for (const PathSpec& p : m.paths) {
    if (p.caller != "lib" || p.symbols.empty() || p.symbols[0].rfind("victim_", 0) != 0) continue;
    const std::string want = expectation(v.expect.at(p.name));
    const std::string other = want == "bound" ? "interposable" : "bound";
    auto ok = check({"--library", variant_lib(v.name), "--symbols", p.symbols[0], "--expect", want,
                     "--", TEST_APP, p.name},
                    v.name);
    EXPECT_EQ(ok.exit_status, 0) << v.name << " " << p.name << "\n" << ok.out << ok.err;
    auto wrong = check({"--library", variant_lib(v.name), "--symbols", p.symbols[0], "--expect",
                        other, "--", TEST_APP, p.name},
                       v.name);
    EXPECT_EQ(wrong.exit_status, 1) << v.name << " " << p.name << "\n" << wrong.out << wrong.err;
    EXPECT_NE(wrong.out.find("Expected: "), std::string::npos) << wrong.out;
    ++checked;
  }
  EXPECT_GE(checked, 6) << "the matrix lost its library call paths?";
}

std::vector<std::string> variant_names() {
  std::vector<std::string> names;
  for (auto& v : load_matrix(TEST_MATRIX).variants) names.push_back(v.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Victim, CheckAgreesWithMatrix, testing::ValuesIn(variant_names()),
                         [](const testing::TestParamInfo<std::string>& i) {
                           std::string n = i.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
