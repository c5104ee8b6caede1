// check_test.cpp — `interprobe check`, called directly: bad input fails with a one-line reason and
// exit status 2 (never a pass), and on the bundled victim both halves agree with the truth table
// (victim/matrix.json) for every built variant: the runtime half per call path made from inside
// the library, the static half per symbol by the scanner-vs-probe rule of scan/truth_rule.hpp.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "exec.hpp"
#include "matrix.hpp"
#include "variants.hpp"
#include "scan/truth_rule.hpp"

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
  expect_one_line_error(
      check({"--library", TEST_APP, "--symbols", "victim_err_occurred", "--expect", "bound", "--",
             TEST_APP, "accessor_same_tu"}),
      "library '" + std::string(TEST_APP) + "': is an executable (PIE), not a shared library");
  expect_one_line_error(check({"--library", TEST_MATRIX, "--symbols", "victim_err_occurred",
                               "--expect", "bound", "--", TEST_APP, "accessor_same_tu"}),
                        "': not an ELF file");
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

TEST(CheckBadInput, SymbolTheProbeDoesNotOverrideWithObserverProbe) {
  expect_one_line_error(
      check({"--library", variant_lib("gcc-O2"), "--symbols", "victim_check_result", "--expect",
             "bound", "--observer", "probe", "--", TEST_APP, "accessor_same_tu"}),
      "libprobe.so: it does not override it");
}

// The probe's half counts, at the definition, the library's calls that bypassed the override
// (PROBE_BYPASS): on gcc-O2-nosi victim_run_noinline calls victim_noinline_touch directly, so
// "bound" is observed — 1 bypassed call — not inferred from 0 calls at the override. On gcc-O2
// the same call goes through the PLT: 0 bypassed.
TEST(CheckRuntime, BoundIsObservedWithBypassCounts) {
  ExecResult nosi = check({"--library", variant_lib("gcc-O2-nosi"), "--symbols",
                           "victim_noinline_touch", "--expect", "bound", "--runtime-only",
                           "--observer", "probe", "--", TEST_APP, "noinline"},
                          "gcc-O2-nosi");
  EXPECT_EQ(nosi.exit_status, 0) << nosi.out << nosi.err;
  EXPECT_NE(nosi.out.find("1 call(s) from libvictim.so.1 bypassed the override"),
            std::string::npos)
      << nosi.out;
  ExecResult o2 = check({"--library", variant_lib("gcc-O2"), "--symbols", "victim_noinline_touch",
                         "--expect", "interposable", "--runtime-only", "--observer", "probe", "--",
                         TEST_APP, "noinline"});
  EXPECT_EQ(o2.exit_status, 0) << o2.out << o2.err;
  EXPECT_NE(o2.out.find("0 call(s) from libvictim.so.1 bypassed the override"), std::string::npos)
      << o2.out;
}

// Neither the override nor the definition saw a call from the library: "never called", its own
// answer. On gcc-O2 the `const_result` path does not touch victim_noinline_touch at all; on
// gcc-lto-nosi the library's one call of victim_weak_fn (`weak`) is inlined: victim_run_weak is
// `mov $0x7,%eax; ret` (objdump -d; the LTO link found the weak definition prevailing, and no
// DWARF record of the copy is left), so no call reaches the definition, whose entry is patched
// (6 bytes: room for the jump, unlike the 3-byte victim_err_occurred). Both satisfy --expect
// bound (no override took a call) and fail interposable.
TEST(CheckRuntime, NeverCalledIsItsOwnAnswer) {
  for (const char* expect : {"bound", "interposable"}) {
    ExecResult r = check({"--library", variant_lib("gcc-O2"), "--symbols", "victim_noinline_touch",
                          "--expect", expect, "--runtime-only", "--observer", "probe", "--",
                          TEST_APP, "const_result"});
    EXPECT_EQ(r.exit_status, std::string(expect) == "bound" ? 0 : 1) << r.out << r.err;
    EXPECT_NE(r.out.find("found never called"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("libvictim.so.1 never called it in this run"), std::string::npos) << r.out;
    // The failure's explanation does not claim a binding nobody saw.
    EXPECT_EQ(r.out.find("binds its own calls"), std::string::npos) << r.out;
  }
  ExecResult inlined = check({"--library", variant_lib("gcc-lto-nosi"), "--symbols",
                              "victim_weak_fn", "--expect", "bound", "--runtime-only",
                              "--observer", "probe", "--json", "--", TEST_APP, "weak"},
                             "gcc-lto-nosi");
  EXPECT_EQ(inlined.exit_status, 0) << inlined.out << inlined.err;
  const auto j = nlohmann::json::parse(inlined.out);
  const auto& f = j["runtime"]["symbols"]["victim_weak_fn"];
  EXPECT_EQ(f["found"], "never_called") << f.dump();
  EXPECT_EQ(f["counts"]["calls_from_library"], 0) << f.dump();
  EXPECT_EQ(f["counts"]["bypassed_from_library"], 0) << f.dump();
  // The control: the same run through the path whose call is a direct call is bound, observed.
  ExecResult direct = check({"--library", variant_lib("gcc-O2-nosi"), "--symbols",
                             "victim_noinline_touch", "--expect", "bound", "--runtime-only",
                             "--observer", "probe", "--json", "--", TEST_APP, "noinline"},
                            "gcc-O2-nosi");
  EXPECT_EQ(nlohmann::json::parse(direct.out)["runtime"]["symbols"]["victim_noinline_touch"]
                                              ["found"],
            "bound")
      << direct.out;
}

TEST(CheckBadInput, AShimThatCannotBeBuiltIsNamed) {
  Env env = current_environment();
  env.erase("LD_PRELOAD");
  env["LD_LIBRARY_PATH"] = std::string(TEST_VARIANTS) + "/gcc-O2";
  env["INTERPROBE_SHIM_RUNTIME"] = "/nonexistent/libinterprobe_shim_rt.a";
  expect_one_line_error(exec({TEST_INTERPROBE, "check", "--probe", TEST_PROBE, "--library",
                              variant_lib("gcc-O2"), "--symbols", "victim_check_result", "--expect",
                              "bound", "--runtime-only", "--", TEST_APP, "interp_loop"},
                             env),
                        "cannot build a shim for victim_check_result: cannot open the shim runtime "
                        "'/nonexistent/libinterprobe_shim_rt.a'");
}

TEST(CheckBadInput, NothingCheckedIsNotAPass) {
  // The static half always checks unless skipped; skipping it without a RUN command leaves
  // nothing checked, which must fail, not pass.
  auto r = check({"--library", variant_lib("gcc-O2"), "--symbols", "victim_err_occurred",
                  "--expect", "bound", "--runtime-only"});
  expect_one_line_error(r, "nothing was checked");
  EXPECT_NE(r.out.find("static: not checked: --runtime-only"), std::string::npos) << r.out;
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

// --timeout 0: one line naming the limits (main printed a range ending in a 309-digit number).
TEST(CheckBadInput, TimeoutOutOfRange) {
  for (const char* t : {"0", "-3", "1.5", "86401"}) {
    auto r = check({"--library", variant_lib("gcc-O2"), "--symbols", "victim_err_occurred",
                    "--expect", "bound", "--timeout", t});
    EXPECT_EQ(r.exit_status, 2) << t;
    EXPECT_NE(
        r.err.find("SECONDS must be a whole number from 1 to 86400, not '" + std::string(t) + "'"),
        std::string::npos)
        << r.err;
    EXPECT_LT(r.err.size(), 300u) << r.err;
  }
}

// The names `interprobe scan` prints (name@@VERSION, name@VERSION) are accepted when the library
// defines that version, and blanks around names are dropped: `--symbols "a, b"` is a and b.
TEST(CheckNames, VersionedAndSpacedNamesAreAccepted) {
  const std::string zlib = TEST_ZLIB_SO;
  auto r = check({"--library", zlib, "--symbols", "crc32_z@@ZLIB_1.2.9, adler32 ,deflate",
                  "--expect", "interposable"});
  EXPECT_NE(r.exit_status, 2) << r.err;
  EXPECT_NE(r.out.find("interprobe check: " + zlib + " — crc32_z, adler32, deflate expected"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  crc32_z: expected interposable, found "), std::string::npos) << r.out;
  expect_one_line_error(
      check({"--library", zlib, "--symbols", "crc32_z@@ZLIB_9.9", "--expect", "interposable"}),
      "defines 'crc32_z' with version ZLIB_1.2.9, not version ZLIB_9.9");
}

// --json: the same outcome as a document, for every status.
TEST(CheckJson, OutcomeAsADocument) {
  auto fail = check({"--json", "--library", variant_lib("gcc-O0-nosi"), "--symbols",
                     "victim_err_occurred", "--expect", "interposable"});
  EXPECT_EQ(fail.exit_status, 1) << fail.err;
  auto j = nlohmann::json::parse(fail.out);
  EXPECT_EQ(j["format"], "interprobe-check");
  EXPECT_EQ(j["result"], "failed");
  EXPECT_EQ(j["status"], 1);
  EXPECT_EQ(j["symbols"], nlohmann::json::array({"victim_err_occurred"}));
  const auto& f = j["static"]["symbols"]["victim_err_occurred"];
  EXPECT_EQ(f["found"], "mixed");
  EXPECT_EQ(f["agrees"], false);
  EXPECT_EQ(f["counts"]["jump_slot"], 1);
  EXPECT_GE(f["counts"]["direct_sites"].get<int>(), 1);
  EXPECT_NE(f["explanation"].get<std::string>().find("Expected: "), std::string::npos);
  EXPECT_EQ(j["runtime"]["checked"], false);
  auto bad = check(
      {"--json", "--library", "/nonexistent/libfoo.so", "--symbols", "x", "--expect", "bound"});
  EXPECT_EQ(bad.exit_status, 2);
  auto e = nlohmann::json::parse(bad.out);
  EXPECT_EQ(e["result"], "error");
  EXPECT_EQ(e["error"], "library '/nonexistent/libfoo.so': not found");
  EXPECT_NE(bad.err.find("not found"), std::string::npos) << "still the one line on stderr";
}

// The runtime half with a TMPDIR that has a space in it: the shim is built there and preloaded
// through a link LD_PRELOAD can carry (on main: "cannot preload the shim").
TEST(CheckPaths, RuntimeHalfWithASpaceInTmpdir) {
  const fs::path tmp =
      fs::path(testing::TempDir()) / ("interprobe tmp " + std::to_string(getpid()));
  fs::create_directories(tmp);
  Env env = current_environment();
  env.erase("LD_PRELOAD");
  env["LD_LIBRARY_PATH"] = std::string(TEST_VARIANTS) + "/gcc-O2";
  env["TMPDIR"] = tmp.string();
  auto r = exec({TEST_INTERPROBE, "check", "--probe", TEST_PROBE, "--library",
                 variant_lib("gcc-O2"), "--symbols", "victim_check_result_xtu", "--expect",
                 "interposable", "--runtime-only", "--", TEST_APP, "interp_loop"},
                env);
  EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("with the shim for victim_check_result_xtu"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::is_empty(tmp)) << "the private directories are removed";
  fs::remove_all(tmp);
}

// The verdict the truth table gives, as an expectation for `interprobe check`: the probe counts
// a call whenever the override ran, so ran_unused (the caller then used its own folded result)
// is interposable too.
std::string expectation(Verdict v) { return v == Verdict::bypassed ? "bound" : "interposable"; }

class CheckAgreesWithMatrix : public testing::TestWithParam<std::string> {};

// The runtime half alone (--runtime-only), per call path: the path's own outcome decides. Each
// path with either override: libprobe.so's, and a shim generated for the symbol (the observer
// for functions libprobe.so does not have), which must see exactly what the probe sees.
TEST_P(CheckAgreesWithMatrix, RuntimeHalfForEveryLibraryCallPath) {
  const Matrix m = load_matrix(TEST_MATRIX);
  const VariantSpec& v = m.variant(GetParam());
  if (!fs::exists(variant_lib(v.name))) GTEST_SKIP() << v.name << " not built (compiler missing)";
  int checked = 0;
  for (const PathSpec& p : m.paths) {
    if (p.caller != "lib" || p.symbols.empty() || p.symbols[0].rfind("victim_", 0) != 0) continue;
    const std::string want = expectation(v.expect.at(p.name));
    const std::string other = want == "bound" ? "interposable" : "bound";
    for (const std::string observer : {"probe", "shim"}) {
      const std::string ctx = v.name + " " + p.name + " with the " + observer + "\n";
      auto ok = check({"--library", variant_lib(v.name), "--symbols", p.symbols[0], "--expect",
                       want, "--runtime-only", "--observer", observer, "--", TEST_APP, p.name},
                      v.name);
      EXPECT_EQ(ok.exit_status, 0) << ctx << ok.out << ok.err;
      EXPECT_NE(ok.out.find("with the " + observer + " for " + p.symbols[0]), std::string::npos)
          << ctx << ok.out;
      auto wrong = check({"--library", variant_lib(v.name), "--symbols", p.symbols[0], "--expect",
                          other, "--runtime-only", "--observer", observer, "--", TEST_APP, p.name},
                         v.name);
      EXPECT_EQ(wrong.exit_status, 1) << ctx << wrong.out << wrong.err;
      EXPECT_NE(wrong.out.find("Expected: "), std::string::npos) << wrong.out;
    }
    ++checked;
  }
  EXPECT_GE(checked, 6) << "the matrix lost its library call paths?";
}

// "found X" of a half's line for `symbol` ("static: " or "runtime: ").
std::optional<std::string> found_in(const std::string& out, const std::string& half,
                                    const std::string& symbol) {
  const std::size_t start = out.find(half);
  if (start == std::string::npos) return std::nullopt;
  const std::size_t line = out.find("  " + symbol + ": expected ", start);
  if (line == std::string::npos) return std::nullopt;
  const std::size_t at = out.find(", found ", line);
  const std::size_t end = out.find_first_of(" \n", at + 8);
  if (at == std::string::npos || end == std::string::npos) return std::nullopt;
  return out.substr(at + 8, end - at - 8);
}

// Functions libprobe.so has no override for, called inside the library by victim_interp_loop
// (victim_app interp_loop): victim_check_result from the same file, victim_check_result_xtu from
// another, the shape of CPython's PyErr_Occurred calls. `check` observes them through a shim,
// and the runtime half must agree with the static half (the scanner) in every variant, unless the
// scanner says mixed (some calls of each kind: a run sees the override fire) or finds no internal
// reference at all (everything inlined and folded away).
TEST_P(CheckAgreesWithMatrix, ShimObservesFunctionsTheProbeDoesNotOverride) {
  const std::string v = GetParam();
  if (!fs::exists(variant_lib(v))) GTEST_SKIP() << v << " not built (compiler missing)";
  for (const std::string sym : {"victim_check_result", "victim_check_result_xtu"}) {
    auto r = check({"--library", variant_lib(v), "--symbols", sym, "--expect", "interposable", "--",
                    TEST_APP, "interp_loop"},
                   v);
    const std::string ctx = v + " " + sym + "\n" + r.out + r.err;
    ASSERT_NE(r.exit_status, 2) << ctx;
    EXPECT_NE(r.out.find("with the shim for " + sym), std::string::npos) << ctx;
    const auto stat = found_in(r.out, "static: ", sym), run = found_in(r.out, "runtime: ", sym);
    ASSERT_TRUE(stat && run) << ctx;
    if (*stat == "mixed") {
      EXPECT_EQ(*run, "interposable") << ctx;
    } else if (*stat != "no") {  // "no internal references"
      EXPECT_EQ(*run, *stat) << ctx;
    }
  }
}

// "found X" of the static line → the scanner's verdict.
std::optional<scan::SymVerdict> static_found(const std::string& out, const std::string& symbol) {
  const std::string key = "  " + symbol + ": expected ";
  const std::size_t line = out.find(key, out.find("static: "));
  if (line == std::string::npos) return std::nullopt;
  const std::size_t at = out.find(", found ", line);
  if (at == std::string::npos) return std::nullopt;
  const std::string rest = out.substr(at + 8, 30);
  for (auto v : {scan::SymVerdict::interposable, scan::SymVerdict::bound, scan::SymVerdict::mixed})
    if (rest.rfind(scan::to_string(v) + " ", 0) == 0) return v;
  if (rest.rfind("no internal references", 0) == 0) return scan::SymVerdict::none;
  return std::nullopt;
}

// The static half alone (no RUN), per symbol: all the library's call paths to it together decide,
// by the rule the scanner is held to against live probe runs (scan/truth_rule.hpp). Where the
// rule allows a verdict that differs from the paths' (mixed paths, the bypassing one left no
// trace), check's exit status must still follow the verdict it printed: a packager sees exactly
// what the file shows.
TEST_P(CheckAgreesWithMatrix, StaticHalfForEverySymbol) {
  const Matrix m = load_matrix(TEST_MATRIX);
  const VariantSpec& v = m.variant(GetParam());
  if (!fs::exists(variant_lib(v.name))) GTEST_SKIP() << v.name << " not built (compiler missing)";
  std::map<std::string, std::set<std::string>> took;  // symbol -> {"interposed", "bypassed"}
  std::map<std::string, std::string> paths;
  for (const PathSpec& p : m.paths) {
    if (p.caller != "lib" || p.symbols.empty() || p.symbols[0].rfind("victim_", 0) != 0) continue;
    const Verdict cell = v.expect.at(p.name);
    took[p.symbols[0]].insert(cell == Verdict::bypassed ? "bypassed" : "interposed");
    paths[p.symbols[0]] += " " + p.name + "=" + to_string(cell);
  }
  ASSERT_GE(took.size(), 6u) << "the matrix lost its library call paths?";
  for (auto& [sym, outcomes] : took) {
    std::map<std::string, ExecResult> by_expect;
    for (const std::string e : {"interposable", "bound"})
      by_expect[e] = check({"--library", variant_lib(v.name), "--symbols", sym, "--expect", e});
    const ExecResult& r = by_expect["interposable"];
    const std::string ctx = v.name + " " + sym + ", matrix:" + paths[sym] + "\n" + r.out + r.err;
    auto found = static_found(r.out, sym);
    ASSERT_TRUE(found.has_value()) << ctx;
    EXPECT_EQ(static_found(by_expect["bound"].out, sym), found) << ctx;
    EXPECT_TRUE(truth::scanner_agrees(outcomes, *found))
        << ctx << "allowed: " << truth::allowed(outcomes);
    // interposable passes only on "interposable"; bound on "bound" and "none"; mixed fails both.
    const bool ip = *found == scan::SymVerdict::interposable;
    const bool bd = *found == scan::SymVerdict::bound || *found == scan::SymVerdict::none;
    EXPECT_EQ(r.exit_status, ip ? 0 : 1) << ctx;
    EXPECT_EQ(by_expect["bound"].exit_status, bd ? 0 : 1) << ctx << by_expect["bound"].out;
  }
}

INSTANTIATE_TEST_SUITE_P(Victim, CheckAgreesWithMatrix,
                         testing::ValuesIn(test_support::variant_names(test_support::test_matrix())),
                         test_support::param_name);

}  // namespace
