// shim_test.cpp — generated shims (`interprobe shim`) in real processes. Every preloaded run is
// paired with a control run: a trampoline must never change what the host computes, only count.
//   - ABI: a library using every corner of the x86-64 calling convention (tests/shim/abi_lib.c);
//   - the victim: on every variant × path, the shim counts what libprobe's hand-written
//     overrides count;
//   - real libraries: Debian's libz and libpython3.11 under real workloads;
//   - next to libprobe.so; bad input; the counting path's machine code.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include "exec.hpp"
#include "files.hpp"
#include "matrix.hpp"
#include "probe_report.hpp"
#include "scratch.hpp"
#include "shim/shim_fixture.hpp"
#include "variants.hpp"

namespace {

using namespace interprobe;
namespace fs = std::filesystem;

using test_support::clean_env;

class Shim : public test_support::ShimFixture {
 protected:
  Shim() : ShimFixture("shim-test") {}
};

TEST_F(Shim, EveryArgumentKindPassesThroughUnchanged) {
  fs::path shim = make_shim(SHIM_ABI_LIB, "libabi-shim.so");
  ProbeReport r = run_pair({SHIM_ABI_APP}, shim);
  EXPECT_EQ(r.raw["symbols"].size(), 10u) << r.raw.dump(1);
  // Three rounds in the main thread, one in another thread: the first call of each function takes
  // the slow path (xsave, resolve), later ones the counting path (which fills the call's site) or
  // the trampoline's fast path (which counts from it), a new thread the slow path again.
  for (const char* fn : {"many_ints", "many_doubles", "vsum", "vformat", "make_big", "make_pair",
                         "ld_mul", "apply", "read_errno", "avx_add"}) {
    const std::uint64_t want = std::string(fn) == "avx_add" && !__builtin_cpu_supports("avx") ? 0 : 4;
    EXPECT_EQ(r.calls_from(fn, fs::path(SHIM_ABI_APP).filename()), want) << fn;
    EXPECT_EQ(r.total(fn), want) << fn << ": no call from anywhere else";
  }
  for (auto& s : r.raw["symbols"]) EXPECT_EQ(s["family"], "shim");
  EXPECT_EQ(r.raw["shim"]["library"], SHIM_ABI_LIB);
  EXPECT_TRUE(r.bypass.empty());

  // PROBE_SHIM_BYPASS=1 (preload/shim/bypass.hpp): every call now also passes a patched entry's
  // stub and counting entry (preload/patch/x86_64/entry.S) after the trampoline; the outputs stay
  // the same (run_pair), and each of the 4 calls (the second thread's too: its first arrival
  // takes the entry's slow path) arrives "through". read_errno is refused: `sub $0x8,%rsp` (4
  // bytes) is followed by `call __errno_location@plt` (objdump -d libshimabi.so), so the 5-byte
  // jump would take the call with it, and a call is never moved (preload/patch/README.md).
  ProbeReport b = run_pair({SHIM_ABI_APP}, shim, nullptr, Env{{"PROBE_SHIM_BYPASS", "1"}});
  EXPECT_EQ(b.settings.value("bypass", false), true);
  std::size_t patched = 0;
  for (auto& [fn, rec] : b.bypass) {
    if (!rec.patched) {
      EXPECT_EQ(fn, "read_errno") << rec.refused;
      EXPECT_NE(rec.refused.find("a call among its first instructions"), std::string::npos);
      continue;
    }
    ++patched;
    const std::uint64_t want = fn == "avx_add" && !__builtin_cpu_supports("avx") ? 0 : 4;
    EXPECT_EQ(rec.through, want) << fn;
    EXPECT_TRUE(rec.bypassed.empty()) << fn;
  }
  EXPECT_EQ(patched, 9u) << b.raw.dump(1);
}

// The victim on every variant: for each path whose targets the shim trampolines, the calls the
// shim counts from the path's caller equal those libprobe.so's hand-written overrides count.
// libprobe changes the values (its overrides add a mark) and the shim does not, so their
// verdicts differ by design; the counts, the witness of "did the override run", must not.
class ShimVictim : public Shim, public testing::WithParamInterface<std::string> {};

TEST_P(ShimVictim, CountsMatchLibprobeOnEveryPath) {
  const Matrix m = load_matrix(TEST_MATRIX);
  const VariantSpec& v = m.variant(GetParam());
  const Artifacts probe{TEST_PROBE, TEST_APP, TEST_VARIANTS, TEST_MATRIX};
  if (!variant_built(probe, v)) GTEST_SKIP() << v.compiler << " not found at configure time";
  const std::string lib = std::string(TEST_VARIANTS) + "/" + v.name + "/" + kLibraryName;
  const test_support::VictimComparison c =
      test_support::compare_with_libprobe(m, probe, v, make_shim(lib, "libvictim-shim.so"));
  RecordProperty("bypassed_paths", c.bypassed);
  std::cout << v.name << ": " << c.interposed << " interposed, " << c.bypassed << " bypassed\n";
}

INSTANTIATE_TEST_SUITE_P(Variants, ShimVictim,
                         testing::ValuesIn(test_support::variant_names(test_support::test_matrix())),
                         test_support::param_name);

TEST_F(Shim, ZlibWorkloadRunsUnchangedAndEveryCallIsCounted) {
  fs::path shim = make_shim(SHIM_ZLIB_SO, "libz-shim.so");
  std::string out;
  ProbeReport r = run_pair({SHIM_ZLIB_APP}, shim, &out);
  test_support::expect_zlib_app_counts(r, out, SHIM_ZLIB_APP);
}

TEST_F(Shim, PythonEmbeddingRunsUnchangedWithEveryExportedFunctionTrampolined) {
  fs::path shim = make_shim(SHIM_PYTHON_SO, "libpython-shim.so");
  ProbeReport r = run_pair({SHIM_PYTHON_APP}, shim);
  const std::string app = fs::path(SHIM_PYTHON_APP).filename();
  EXPECT_EQ(r.calls_from("Py_Initialize", app), 1u);
  EXPECT_EQ(r.calls_from("PyRun_SimpleStringFlags", app) + r.calls_from("PyRun_SimpleString", app), 1u);
  EXPECT_EQ(r.calls_from("PyErr_Occurred", app), 1u);
  EXPECT_GT(r.raw["symbols"].size(), 1000u);
  // How many calls libpython made to its own exported functions through the PLT, i.e. that
  // an override could see: recorded, not asserted (it depends on Debian's build; docs/SHIM.md).
  RecordProperty("PyErr_Occurred_from_libpython",
                 std::to_string(r.calls_from("PyErr_Occurred", fs::path(SHIM_PYTHON_SO).filename())));
}

TEST_F(Shim, PreloadedWithLibprobeBothReportAndChain) {
  const std::string lib = std::string(TEST_VARIANTS) + "/gcc-O2/" + kLibraryName;
  fs::path shim = make_shim(lib, "libvictim-shim.so", {"--symbols", "victim_err_occurred"});
  Env env = clean_env();
  env["LD_LIBRARY_PATH"] = std::string(TEST_VARIANTS) + "/gcc-O2";
  ExecResult control = exec({TEST_APP, "app_direct"}, env);
  env["PROBE_FORMAT"] = "json";
  env["PROBE_REPORT"] = (dir_ / "probe.json").string();
  env["PROBE_SHIM_REPORT"] = (dir_ / "shim.json").string();
  for (bool probe_first : {true, false}) {
    env["LD_PRELOAD"] = probe_first ? std::string(TEST_PROBE) + " " + shim.string()
                                    : shim.string() + " " + TEST_PROBE;
    ExecResult both = exec({TEST_APP, "app_direct"}, env);
    EXPECT_EQ(both.describe(), "exit 0") << both.err;
    EXPECT_EQ(both.out, "app_direct 1000\n") << "libprobe's override still decides the value";
    EXPECT_NE(control.out, both.out);
    std::string e1, e2;
    auto probe = parse_probe_report(slurp(dir_ / "probe.json"), &e1);
    auto shimr = parse_probe_report(slurp(dir_ / "shim.json"), &e2);
    ASSERT_TRUE(probe) << e1;
    ASSERT_TRUE(shimr) << e2;
    EXPECT_EQ(probe->calls_from("victim_err_occurred", "victim_app"), 1u);
    // Whichever comes first in LD_PRELOAD is called by the app and forwards to the other
    // (dlsym RTLD_NEXT); a trampoline's jump keeps the app's return address, a hook's call does not.
    EXPECT_EQ(shimr->calls_from("victim_err_occurred", probe_first ? "libprobe.so" : "victim_app"), 1u)
        << shimr->raw.dump(1);
    fs::remove(dir_ / "probe.json");
    fs::remove(dir_ / "shim.json");
  }
}

TEST_F(Shim, JsonListsTrampolinedAndSkippedSymbols) {
  const std::string lib = std::string(TEST_VARIANTS) + "/gcc-O2/" + kLibraryName;
  ExecResult r = generate(lib, {"--all-exported", "--json"}, dir_ / "s.so");
  ASSERT_EQ(r.describe(), "exit 0") << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["shim"], (dir_ / "s.so").string());
  EXPECT_EQ(j["arch"], "x86-64");
  EXPECT_EQ(j["trampolined"].size(), 18u) << "victim.h declares 18 functions";
  ASSERT_EQ(j["skipped"].size(), 1u);
  EXPECT_EQ(j["skipped"][0]["name"], "victim_exported_var");
  EXPECT_NE(j["skipped"][0]["reason"].get<std::string>().find("STT_OBJECT"), std::string::npos);
}

// GNU ld gives each version zlib defines a symbol of its name, STT_OBJECT and SHN_ABS (readelf
// --dyn-syms: `0 OBJECT GLOBAL DEFAULT ABS ZLIB_1.2.2`): a version name, not a variable (main
// called it "data (STT_OBJECT): a variable").
TEST_F(Shim, VersionNamesAreSkippedAsVersionNamesNotAsData) {
  ExecResult r = generate(SHIM_ZLIB_SO, {"--all-exported", "--json"}, dir_ / "z.so");
  ASSERT_EQ(r.describe(), "exit 0") << r.err;
  auto j = nlohmann::json::parse(r.out);
  std::size_t versions = 0;
  for (auto& s : j["skipped"]) {
    const std::string name = s["name"], reason = s["reason"];
    if (name.rfind("ZLIB_", 0) != 0) continue;
    ++versions;
    EXPECT_EQ(reason.rfind("no code (STT_OBJECT, absolute): a version name", 0), 0u) << reason;
  }
  EXPECT_GE(versions, 5u) << j["skipped"].dump();
}

struct BadInput {
  const char* label;
  std::vector<std::string> args;  // after --lib; "@VICTIM" / "@DIR" are substituted
  bool no_compiler;
  const char* must_name;
};

class ShimBadInput : public Shim, public testing::WithParamInterface<BadInput> {};

TEST_P(ShimBadInput, ExitTwoOneLineNamingItNothingLeftBehind) {
  const std::string victim = std::string(TEST_VARIANTS) + "/gcc-O2/" + kLibraryName;
  std::ofstream(dir_ / "notelf.so") << "not an ELF file\n";
  std::vector<std::string> args = GetParam().args;
  for (auto& a : args) {
    if (a == "@VICTIM") a = victim;
    if (a.rfind("@DIR", 0) == 0) a = dir_.string() + a.substr(4);
  }
  Env env = clean_env();
  if (GetParam().no_compiler) {
    env.erase("CC");
    env["PATH"] = (dir_ / "empty-path").string();
  }
  std::vector<std::string> argv = {TEST_INTERPROBE, "shim", "--lib"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"-o", (dir_ / "out.so").string()});
  ExecResult r = exec(argv, env);
  EXPECT_EQ(r.describe(), "exit 2") << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(GetParam().must_name), std::string::npos) << r.err;
  std::vector<std::string> left;
  for (auto& e : fs::directory_iterator(dir_)) left.push_back(e.path().filename());
  EXPECT_EQ(left, std::vector<std::string>{"notelf.so"}) << "only the test's own file remains";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ShimBadInput,
    testing::Values(
        BadInput{"missing", {"@DIR/nope.so", "--all-exported"}, false, "nope.so"},
        BadInput{"not_elf", {"@DIR/notelf.so", "--all-exported"}, false, "not an ELF file"},
        BadInput{"not_exported", {"@VICTIM", "--symbols", "victim_err_occurred,no_such_fn"}, false, "no_such_fn"},
        BadInput{"only_referenced", {"@VICTIM", "--symbols", "malloc"}, false, "only refers to it"},
        BadInput{"data", {"@VICTIM", "--symbols", "victim_exported_var"}, false, "STT_OBJECT"},
        BadInput{"no_compiler", {"@VICTIM", "--all-exported"}, true, "no C compiler"},
        BadInput{"both_modes", {"@VICTIM", "--all-exported", "--symbols", "victim_weak_fn"}, false, "exactly one"}),
    [](const testing::TestParamInfo<BadInput>& i) { return std::string(i.param.label); });

// The trampoline saves no vector register before calling interprobe_shim_hit: that is safe only
// if the counting path's machine code never touches one and calls nothing but the map lookup.
TEST_F(Shim, CountingPathUsesNoVectorRegistersAndCallsOnlyTheMapLookup) {
  const std::string lib = std::string(TEST_VARIANTS) + "/gcc-O2/" + kLibraryName;
  fs::path shim = make_shim(lib, "libvictim-shim.so");
  // interprobe_bypass_hit: the bypass counter's fast half (preload/shim/bypass_hit.cpp), called
  // by preload/patch/x86_64/entry.S with the vector registers live, as the trampoline does.
  for (const char* fn :
       {"interprobe_shim_hit", "interprobe_bypass_hit", "_ZN4shim13cached_objectEm",
        "_ZN4shim10count_callEPNS_12SparseCounts5TableEjmtj",  // fills the fast path's site
        "_ZN12_GLOBAL__N_114attribute_missERN5probe10CacheEntryEmj",  // runtime/attribution.hpp
        "_ZNK5probe9ObjectMap6lookupEm"}) {
    ExecResult d = exec({"objdump", "-d", "--no-show-raw-insn", std::string("--disassemble=") + fn,
                         shim.string()}, clean_env());
    ASSERT_EQ(d.describe(), "exit 0") << d.err;
    const std::string body = d.out.substr(d.out.find("<" + std::string(fn) + ">:"));
    ASSERT_GT(std::count(body.begin(), body.end(), '\n'), 10) << d.out;
    EXPECT_FALSE(std::regex_search(body, std::regex("%[xyz]mm"))) << body;
    std::smatch m;
    for (auto it = body.cbegin(); std::regex_search(it, body.cend(), m, std::regex("call.*<([^>]+)>")); it = m[0].second)
      EXPECT_TRUE(m[1].str() == "_ZNK5probe9ObjectMap6lookupEm" ||
                  m[1].str() == "_ZN4shim13cached_objectEm" ||
                  m[1].str() == "_ZN4shim10count_callEPNS_12SparseCounts5TableEjmtj" ||
                  m[1].str().find("attribute_miss") != std::string::npos)
          << fn << " calls " << m[1];
  }
}

}  // namespace
