// run_shim_for_test.cpp — `interprobe run --shim-for LIB -- CMD` on real libraries and real
// processes: the bundled victim (a build whose own calls are bound), Debian's libz, the command's
// output and exit status untouched (each compared with a control run without the shim), and bad
// input (one line, exit 2, the command not run).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "exec.hpp"
#include "scratch.hpp"

namespace {

using namespace interprobe;
namespace fs = std::filesystem;

Env clean_env(const std::string& ld_library_path = "") {
  Env env = without_probe(current_environment());
  if (!ld_library_path.empty()) env["LD_LIBRARY_PATH"] = ld_library_path;
  return env;
}

std::string variant_dir(const std::string& v) { return std::string(TEST_VARIANTS) + "/" + v; }

struct Pair {
  ExecResult control, shimmed;
  nlohmann::json table;
};

// The command alone, then under `run --shim-for LIB --format json --report FILE`.
Pair run_pair(const std::string& lib, const std::vector<std::string>& cmd, const Env& env,
              const std::vector<std::string>& options = {}) {
  Pair r;
  r.control = exec(cmd, env);
  const fs::path report = scratch_dir() / "shim_for_table.json";
  fs::remove(report);
  std::vector<std::string> argv{TEST_INTERPROBE, "run", "--shim-for", lib};
  argv.insert(argv.end(), options.begin(), options.end());
  for (const char* a : {"--format", "json", "--report"}) argv.push_back(a);
  argv.push_back(report.string());
  argv.push_back("--");
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  r.shimmed = exec(argv, env);
  std::ifstream in(report);
  if (in) r.table = nlohmann::json::parse(in, nullptr, false);
  return r;
}

const nlohmann::json* row(const nlohmann::json& table, const std::string& name) {
  for (auto& s : table["symbols"])
    if (s["name"] == name) return &s;
  return nullptr;
}

// gcc -O0 -fno-semantic-interposition: the app calls victim_check_result (outside: the override
// takes it), which calls victim_err_occurred through its .localalias — a direct call no override
// sees, and that the shim never counts. victim_interp_loop's call of victim_check_result is
// direct too (interprobe scan: 1 direct site).
TEST(RunShimFor, VictimCallsFromOutsideNextToBoundInternalSites) {
  const std::string dir = variant_dir("gcc-O0-nosi");
  if (!fs::exists(dir + "/libvictim.so.1")) GTEST_SKIP() << "variant not built";
  Pair r = run_pair(dir + "/libvictim.so.1", {TEST_APP, "accessor_same_tu"}, clean_env(dir));
  ASSERT_EQ(r.shimmed.describe(), r.control.describe()) << r.shimmed.err;
  EXPECT_EQ(r.shimmed.out, r.control.out);
  ASSERT_TRUE(r.table.is_object()) << r.shimmed.err;
  EXPECT_EQ(r.table["format"], "interprobe-shim-run");
  EXPECT_EQ(r.table["processes"], 1);
  const nlohmann::json* cr = row(r.table, "victim_check_result");
  ASSERT_NE(cr, nullptr) << r.table.dump(2);
  EXPECT_EQ((*cr)["calls_outside"], 1) << cr->dump();
  EXPECT_EQ((*cr)["calls_outside_by_object"]["victim_app"], 1) << cr->dump();
  EXPECT_EQ((*cr)["calls_from_library"], 0) << cr->dump();
  EXPECT_GE((*cr)["internal"]["direct_sites"], 1) << cr->dump();
  // Called, but only directly from inside: never reached the shim; listed with its sites.
  EXPECT_EQ(row(r.table, "victim_err_occurred"), nullptr) << r.table.dump(2);
  bool listed = false;
  for (auto& u : r.table["unseen_bound"])
    if (u["name"] == "victim_err_occurred") listed = u["direct_sites"].get<int>() >= 1;
  EXPECT_TRUE(listed) << r.table.dump(2);
}

// gcc -O2 (semantic interposition): the library's own call of victim_err_occurred goes through
// its PLT, so the shim counts it as a call from the library — the override would see it.
TEST(RunShimFor, InterposableInternalCallsReachTheShim) {
  const std::string dir = variant_dir("gcc-O2");
  Pair r = run_pair(dir + "/libvictim.so.1", {TEST_APP, "accessor_same_tu"}, clean_env(dir));
  ASSERT_EQ(r.shimmed.describe(), r.control.describe()) << r.shimmed.err;
  const nlohmann::json* eo = row(r.table, "victim_err_occurred");
  ASSERT_NE(eo, nullptr) << r.table.dump(2);
  EXPECT_EQ((*eo)["calls_from_library"], 1) << eo->dump();
  EXPECT_EQ((*eo)["calls_outside"], 0) << eo->dump();
  EXPECT_GE((*eo)["internal"]["plt_got_sites"], 1) << eo->dump();
}

// Debian's libz: the program's 200 compress2 calls are counted from the program; the text table
// goes to stderr after the command's own output.
TEST(RunShimFor, Zlib) {
  Pair r = run_pair(SHIM_ZLIB_SO, {SHIM_ZLIB_APP}, clean_env());
  ASSERT_EQ(r.shimmed.describe(), r.control.describe()) << r.shimmed.err;
  EXPECT_EQ(r.shimmed.out, r.control.out);
  const nlohmann::json* c = row(r.table, "compress2");
  ASSERT_NE(c, nullptr) << r.table.dump(2);
  EXPECT_EQ((*c)["calls_outside_by_object"][fs::path(SHIM_ZLIB_APP).filename().string()], 200);
  auto text =
      exec({TEST_INTERPROBE, "run", "--shim-for", SHIM_ZLIB_SO, "--", SHIM_ZLIB_APP}, clean_env());
  EXPECT_EQ(text.out, r.control.out);
  EXPECT_NE(text.err.find("== interprobe run --shim-for"), std::string::npos) << text.err;
  EXPECT_NE(text.err.find("compress2"), std::string::npos) << text.err;
}

// --bypass (preload/shim/bypass.hpp): victim_interp_loop(100) (victim/src/api.c, the app's
// interp_loop path) calls victim_noinline_touch once per iteration (victim_err_occurred is 0
// throughout): 100 calls from libvictim. Under -fno-semantic-interposition they are direct calls
// (`objdump -d`: call <victim_noinline_touch.localalias>; the scanner: 2 direct sites), so the shim
// never sees them and the definition's entry counts all 100 as bypassed from libvictim; in the
// default build (interposable) they go through the PLT, reach the shim, and arrive "through".
TEST(RunShimFor, BypassCountsTheCallsTheShimMissed) {
  const std::vector<std::string> options{"--symbols", "victim_noinline_touch,victim_interp_loop",
                                         "--bypass"};
  for (const char* variant : {"gcc-O2-nosi", "gcc-O2"}) {
    const std::string dir = variant_dir(variant);
    Pair r = run_pair(dir + "/libvictim.so.1", {TEST_APP, "interp_loop"}, clean_env(dir), options);
    ASSERT_EQ(r.shimmed.describe(), r.control.describe()) << variant << r.shimmed.err;
    EXPECT_EQ(r.shimmed.out, r.control.out) << variant;
    EXPECT_EQ(r.table["trampolined"], 2) << variant;
    const nlohmann::json* t = row(r.table, "victim_noinline_touch");
    ASSERT_NE(t, nullptr) << variant << r.table.dump(2);
    const nlohmann::json& b = (*t)["bypass"];
    ASSERT_EQ(b["patched"], true) << variant << b.dump();
    const bool bound = std::string(variant) == "gcc-O2-nosi";
    EXPECT_EQ(b["calls_bypassed"], bound ? 100 : 0) << variant << b.dump();
    EXPECT_EQ(b["calls_bypassed_from_library"], bound ? 100 : 0) << variant << b.dump();
    EXPECT_EQ(b["calls_through"], bound ? 0 : 100) << variant << b.dump();
    // Every call the shim counted reached the definition, and every call made is one of the two.
    EXPECT_EQ(b["calls_through"],
              (*t)["calls_from_library"].get<int>() + (*t)["calls_outside"].get<int>())
        << variant;
    EXPECT_EQ(b["calls_through"].get<int>() + b["calls_bypassed"].get<int>(), 100) << variant;
    EXPECT_EQ((*t)["internal"]["direct_sites"].get<int>() > 0, bound) << variant << t->dump();
    const nlohmann::json* loop = row(r.table, "victim_interp_loop");
    ASSERT_NE(loop, nullptr) << variant;
    EXPECT_EQ((*loop)["bypass"]["calls_through"], 1) << variant;  // the app's one call
    EXPECT_EQ((*loop)["bypass"]["calls_bypassed"], 0) << variant;
  }
  // The text table's summary, with the numbers of this run.
  const std::string dir = variant_dir("gcc-O2-nosi");
  std::vector<std::string> argv{TEST_INTERPROBE, "run", "--shim-for", dir + "/libvictim.so.1"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.insert(argv.end(), {"--", TEST_APP, "interp_loop"});
  auto text = exec(argv, clean_env(dir));
  EXPECT_NE(text.err.find("the override missed 100 of 100 calls of victim_noinline_touch; all from "
                          "libvictim.so.1"),
            std::string::npos)
      << text.err;
  EXPECT_NE(text.err.find("never seen at run time"), std::string::npos) << text.err;
}

// Debian's libz with --bypass: nothing is bypassed, and that is what the file says. Its internal
// calls all go through its PLT (the scanner: 0 direct sites for every function called here;
// `objdump -d --disassemble=compress2 libz.so.1`: call deflateInit_@plt, deflate@plt,
// deflateEnd@plt): Debian builds zlib without -fno-semantic-interposition or -Bsymbolic, so each
// of them reaches the shim (FROM-LIB) and then the definition, "through".
TEST(RunShimFor, ZlibBypassMatchesTheScannersSites) {
  Pair r = run_pair(SHIM_ZLIB_SO, {SHIM_ZLIB_APP}, clean_env(), {"--bypass"});
  ASSERT_EQ(r.shimmed.describe(), r.control.describe()) << r.shimmed.err;
  EXPECT_EQ(r.shimmed.out, r.control.out);
  std::size_t patched = 0;
  for (auto& s : r.table["symbols"]) {
    if (!s.contains("bypass") || s["bypass"]["patched"] != true) continue;
    ++patched;
    const nlohmann::json& b = s["bypass"];
    EXPECT_EQ(b["calls_bypassed"], 0) << s.dump();
    EXPECT_EQ(b["calls_through"],
              s["calls_outside"].get<int>() + s["calls_from_library"].get<int>())
        << s.dump();
    EXPECT_EQ(s["internal"]["direct_sites"], 0) << s.dump();
  }
  EXPECT_GE(patched, 10u) << r.table.dump(2);  // compress2, deflate, inflate, ... were counted
  const nlohmann::json* c = row(r.table, "compress2");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ((*c)["bypass"]["calls_through"], 200);  // zlib_app.c: ROUNDS
}

// Debian's libpython3.11 is built with -fno-semantic-interposition: the scanner counts over a
// thousand direct call sites of PyErr_Occurred in it and no PLT/GOT one, so an override sees
// only the calls from other objects, and the definition's entry sees the library's own, bypassed.
TEST(RunShimFor, PythonPyErrOccurredIsBypassedFromLibpython) {
  Pair r = run_pair(SHIM_PYTHON_SO, {SHIM_PYTHON_APP}, clean_env(),
                    {"--symbols", "PyErr_Occurred", "--bypass"});
  ASSERT_EQ(r.shimmed.describe(), r.control.describe()) << r.shimmed.err;
  EXPECT_EQ(r.shimmed.out, r.control.out);
  const nlohmann::json* p = row(r.table, "PyErr_Occurred");
  ASSERT_NE(p, nullptr) << r.table.dump(2);
  const nlohmann::json& b = (*p)["bypass"];
  ASSERT_EQ(b["patched"], true) << b.dump();
  EXPECT_GT((*p)["internal"]["direct_sites"], 1000) << p->dump();
  EXPECT_EQ((*p)["internal"]["plt_got_sites"], 0) << p->dump();
  EXPECT_EQ((*p)["calls_from_library"], 0) << p->dump();
  EXPECT_GT(b["calls_bypassed_from_library"], 0) << b.dump();
  EXPECT_EQ(b["calls_bypassed_from_library"], b["calls_bypassed"]) << b.dump();
  EXPECT_EQ(b["calls_through"], (*p)["calls_outside"]) << p->dump();
}

// run_app does not link libz: LD_PRELOAD (kept, after the shim) makes it load it.
TEST(RunShimFor, ExitStatusAndSignalPassThrough) {
  Env env = clean_env();
  env["LD_PRELOAD"] = SHIM_ZLIB_SO;
  auto st =
      exec({TEST_INTERPROBE, "run", "--shim-for", SHIM_ZLIB_SO, "--", RUN_APP, "status", "7"}, env);
  EXPECT_EQ(st.exit_status, 7) << st.err;
  EXPECT_NE(st.out.find("run_app output"), std::string::npos);
  auto sig = exec(
      {TEST_INTERPROBE, "run", "--shim-for", SHIM_ZLIB_SO, "--", RUN_APP, "signal", "15"}, env);
  EXPECT_EQ(sig.exit_status, 128 + 15) << sig.err;
}

// A command that never loads LIB: on main an empty table and the command's status (0 for
// `true`); the table would say nothing, so: one line saying so, with the command's status, and
// exit 2 (docs/cli/run.md).
TEST(RunShimFor, ACommandThatNeverLoadsTheLibrary) {
  for (const std::string status : {"0", "7"}) {
    auto r =
        exec({TEST_INTERPROBE, "run", "--shim-for", SHIM_ZLIB_SO, "--", RUN_APP, "status", status},
             clean_env());
    EXPECT_EQ(r.exit_status, 2) << r.err;
    EXPECT_NE(r.out.find("run_app output"), std::string::npos) << "the command did run";
    EXPECT_NE(r.err.find("interprobe run: " + std::string(RUN_APP) + " never loaded " +
                         SHIM_ZLIB_SO + " (in any of its processes; it ended with status " +
                         status + "): nothing to show\n"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("FUNCTION"), std::string::npos) << "no empty table: " << r.err;
  }
}

// TMPDIR with a space: the shim is built there and preloaded through a link ld.so can take
// (on main: "cannot preload the shim ...: the path contains a space").
TEST(RunShimFor, TmpdirWithASpace) {
  const fs::path tmp = scratch_dir() / "tmp dir";
  fs::create_directories(tmp);
  Env env = clean_env();
  env["TMPDIR"] = tmp.string();
  Pair r = run_pair(SHIM_ZLIB_SO, {SHIM_ZLIB_APP}, env);
  ASSERT_EQ(r.shimmed.describe(), r.control.describe()) << r.shimmed.err;
  const nlohmann::json* c = row(r.table, "compress2");
  ASSERT_NE(c, nullptr) << r.shimmed.err << r.table.dump(2);
  EXPECT_EQ((*c)["calls_outside"], 200);
  EXPECT_TRUE(fs::is_empty(tmp)) << "the private directories are removed";
}

// The functions that never reached the shim: grouped by how the library reaches them, the most
// sites first; JSON lists them all, by name, each with its group.
TEST(RunShimFor, NeverReachedListIsGroupedAndSorted) {
  const std::string dir = variant_dir("gcc-O2-nosi");
  Pair r = run_pair(dir + "/libvictim.so.1", {TEST_APP, "app_direct"}, clean_env(dir));
  ASSERT_EQ(r.shimmed.describe(), r.control.describe()) << r.shimmed.err;
  const auto& unseen = r.table["unseen_bound"];
  ASSERT_GE(unseen.size(), 2u) << r.table.dump(2);
  for (std::size_t i = 1; i < unseen.size(); ++i)
    EXPECT_LT(unseen[i - 1]["name"].get<std::string>(), unseen[i]["name"].get<std::string>());
  for (auto& u : unseen) {
    const std::string kind = u["bypass"];
    const bool direct = u["direct_sites"].get<int>() > 0;
    const bool inl = u["inlined"].is_number() && u["inlined"].get<int>() > 0;
    EXPECT_EQ(kind, direct && inl ? "direct+inlined" : inl ? "inlined" : "direct") << u.dump();
  }
  auto text = exec(
      {TEST_INTERPROBE, "run", "--shim-for", dir + "/libvictim.so.1", "--", TEST_APP, "app_direct"},
      clean_env(dir));
  EXPECT_NE(text.err.find("never reached the shim"), std::string::npos) << text.err;
  EXPECT_TRUE(text.err.find("  called directly (") != std::string::npos ||
              text.err.find("  inlined (") != std::string::npos)
      << text.err;
}

// Bad input: one line on stderr, exit 2, and the command never ran (it would create a file).
TEST(RunShimFor, BadLibraryIsOneLineAndNothingRuns) {
  const fs::path marker = scratch_dir() / "shim_for_ran";
  for (const std::string& lib :
       {std::string("/nonexistent/libnope.so"), std::string(TEST_MATRIX)}) {
    fs::remove(marker);
    auto r = exec({TEST_INTERPROBE, "run", "--shim-for", lib, "--", "touch", marker.string()},
                  clean_env());
    EXPECT_EQ(r.exit_status, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("--shim-for '" + lib + "'"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(marker)) << lib;
  }
  auto usage =
      exec({TEST_INTERPROBE, "run", "--shim-for", SHIM_ZLIB_SO, "--backtrace", "4", "--", "true"},
           clean_env());
  EXPECT_EQ(usage.exit_status, 2) << usage.err;
}

}  // namespace
