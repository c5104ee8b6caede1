// bypass_test.cpp — PROBE_BYPASS=1 (preload/hooks/bypass.hpp, docs/BYPASS.md): the calls that
// reached a hooked function's real definition without passing the override, counted at the
// definition's patched entry, against what is known independently of the counter.
//
// Every preloaded run is paired with a control run: the host's stdout and exit status must be the
// same with and without the counter.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <regex>

#include "exec.hpp"
#include "matrix.hpp"
#include "probe_report.hpp"
#include "exec_pair.hpp"
#include "files.hpp"
#include "scratch.hpp"
#include "scanner.hpp"
#include "variants.hpp"

namespace {

using namespace interprobe;
namespace fs = std::filesystem;

const Matrix& matrix() { return test_support::test_matrix(); }
Artifacts artifacts() { return test_support::test_artifacts(); }

std::string program(const std::string& name) { return std::string(TEST_PROGRAMS_DIR) + "/" + name; }

// One run with the probe and PROBE_BYPASS=1 (JSON report to a file), one control run; the
// host's stdout and ending must be the same (tests/support/exec_pair.hpp).
struct Pair {
  ExecResult probed;
  ProbeReport report;
};
Pair run_pair(const std::vector<std::string>& argv, const Env& extra = {}) {
  Pair p;
  test_support::ScratchDir dir("bypass");
  Env env = without_probe(current_environment());
  for (const auto& [k, v] : extra) env[k] = v;
  env["LD_PRELOAD"] = TEST_PROBE;
  env["PROBE_FORMAT"] = "json";
  env["PROBE_BYPASS"] = "1";
  env["PROBE_REPORT"] = (dir.path() / "report.json").string();
  p.probed = test_support::run_pair(argv, env);
  p.report = report_at(dir.path() / "report.json");
  return p;
}

// glibc's timespec_get calls __clock_gettime, a hidden alias at clock_gettime's address: an
// override of clock_gettime never sees those calls (docs/BYPASS.md;
// `objdump -d libc.so.6` shows `call <__clock_gettime>` inside timespec_get). The counter sees
// every one of them, from libc, and the program's own clock_gettime call through the override.
TEST(Bypass, GlibcTimespecGetBypassesAClockGettimeOverride) {
  Pair p = run_pair({program("bypass_app"), "timespec_get", "25"});
  ASSERT_EQ(p.probed.out, "calls 26\n");  // the control run's too (run_pair)
  const ProbeReport& r = p.report;
  ASSERT_TRUE(r.bypass.count("clock_gettime")) << r.raw.dump();
  const BypassCounts& cg = r.bypass.at("clock_gettime");
  ASSERT_TRUE(cg.patched) << cg.refused;
  EXPECT_EQ(file_name_of(cg.definition), "libc.so.6");
  EXPECT_EQ(r.bypassed_from("clock_gettime", "libc.so.6"), 25u);
  EXPECT_EQ(r.calls_from("clock_gettime", "bypass_app"), 1u);
  EXPECT_EQ(cg.through, r.total("clock_gettime"));  // each call the hook counted reached it
  const BypassCounts& tg = r.bypass.at("timespec_get");
  ASSERT_TRUE(tg.patched) << tg.refused;
  EXPECT_EQ(tg.through, 25u);
  EXPECT_TRUE(tg.bypassed.empty());
  EXPECT_EQ(r.calls_from("timespec_get", "bypass_app"), 25u);
  EXPECT_EQ(r.settings.value("bypass", false), true);
}

// The malloc family's hooks tail-jump to glibc's definitions, so every call they count arrives
// at the patched entry marked with its return address and is counted there "through" by the
// entry's own fast path (preload/runtime/entry_counter.hpp) — 4 threads at once, each into its
// own block. Through equals what the hooks counted, to the call: none lost, none twice.
TEST(Bypass, EveryHookedMallocArrivesThroughExactlyOnceUnderThreads) {
  Pair p = run_pair({program("thread_app"), "4", "100000"});
  ASSERT_EQ(p.probed.out, "ok\n");
  const ProbeReport& r = p.report;
  EXPECT_EQ(r.calls_from("malloc", "thread_app"), 400'000u);
  for (const char* fn : {"malloc", "free"}) {
    ASSERT_TRUE(r.bypass.count(fn)) << r.raw.dump();
    const BypassCounts& b = r.bypass.at(fn);
    ASSERT_TRUE(b.patched) << fn << ": " << b.refused;
    EXPECT_EQ(b.through, r.total(fn)) << fn;
  }
}

// What cannot be patched is said, with the reason, never guessed: on x86-64 glibc resolves time
// and gettimeofday (IFUNCs) to the vDSO's own functions, the kernel's page. Two hooked names of one
// definition (memalign is aligned_alloc in glibc 2.36) are counted under the first.
TEST(Bypass, RefusalsAreNamedWithTheirReason) {
  Pair p = run_pair({program("bypass_app"), "timespec_get", "1"});
  const auto& b = p.report.bypass;
  ASSERT_TRUE(b.count("time"));
  EXPECT_FALSE(b.at("time").patched);
  EXPECT_EQ(b.at("time").definition, "[vdso]");
  EXPECT_NE(b.at("time").refused.find("vDSO"), std::string::npos) << b.at("time").refused;
  ASSERT_TRUE(b.count("memalign"));
  EXPECT_EQ(b.at("memalign").same_as, "aligned_alloc");
  EXPECT_FALSE(b.at("memalign").patched);
}

// Without PROBE_BYPASS the report has no bypass records and nothing is patched.
TEST(Bypass, OffByDefault) {
  Env env = without_probe(current_environment());
  env["LD_PRELOAD"] = TEST_PROBE;
  env["PROBE_FORMAT"] = "json";
  ExecResult probed = exec({program("bypass_app"), "timespec_get", "3"}, env);
  std::string error;
  auto r = parse_probe_report(probed.err, &error);
  ASSERT_TRUE(r.has_value()) << error << probed.err;
  EXPECT_TRUE(r->bypass.empty());
  EXPECT_EQ(r->settings.value("bypass", true), false);
}

// Real programs under the counter: output and status as without it (and the counter counts).
TEST(Bypass, RealProgramsAreUnchanged) {
  run_pair({"/bin/ls", "-l", "/usr/lib"});
  Pair py = run_pair({"/usr/bin/python3.11", "-c",
                      "import json, time, threading\n"
                      "t = threading.Thread(target=lambda: time.sleep(0.01)); t.start(); t.join()\n"
                      "print(json.dumps({'k': [1, 2, 3]}), round(time.time()) > 0)"});
  EXPECT_GT(py.report.bypass.at("malloc").through, 0u);
}

// A library dlopen'ed after start-up, called, dlclose'd, dlopen'ed again and called again
// (dlcycle_app 7 11): its definitions are patched at the dlsym that hands the host an address
// in each copy (preload/runtime/dl_points.hpp), so every call of both copies is counted, and the
// report says "patched" only while a patched copy is mapped. victim_run_noinline calls
// victim_noinline_touch once per call (victim/src/api.c, NOT_TAIL): in gcc-O2 through the PLT,
// so the override sees it (18 through); in the -fno-semantic-interposition builds by a direct
// call (`objdump -d --disassemble=victim_run_noinline`: `call <victim_noinline_touch@plt>` in
// gcc-O2, `call <victim_noinline_touch>` in gcc-O2-nosi and clang-O2-nosi), 18 bypassed. Before this, gcc-O2 showed 9
// through of 18 hook calls and "patched" (the first copy's record kept for the fresh second
// copy), the nosi builds no record at all (the definition was only learnt at a hook's first call).
// `open`: the second copy is still loaded at exit; `closed`: it was unloaded; `moved`: the second
// copy is mapped elsewhere (the hook's pointer into the first copy is dropped: it crashed the host).
struct CycleCase {
  std::string variant, end;
};
class BypassDlopenCycle : public testing::TestWithParam<CycleCase> {};

TEST_P(BypassDlopenCycle, EveryCallOfBothCopiesIsCounted) {
  const auto& [variant, end] = GetParam();
  const VariantSpec& v = matrix().variant(variant);
  if (!variant_built(artifacts(), v)) GTEST_SKIP() << v.compiler << " not found at configure time";
  Pair p = run_pair({program("dlcycle_app"), "7", "11", end},
                    {{"LD_LIBRARY_PATH", std::string(TEST_VARIANTS) + "/" + variant}});
  // The touch count restarts: the second dlopen mapped a fresh copy (the control run's too).
  ASSERT_EQ(p.probed.out, "load 0 calls 7 touch 7\nload 1 calls 11 touch 11\n") << p.probed.err;
  const ProbeReport& r = p.report;
  ASSERT_TRUE(r.bypass.count("victim_noinline_touch")) << r.raw.dump(1);
  const BypassCounts& b = r.bypass.at("victim_noinline_touch");
  EXPECT_EQ(file_name_of(b.definition), "libvictim.so.1");
  if (end == "open") {
    EXPECT_TRUE(b.patched) << b.refused;
  } else {
    EXPECT_FALSE(b.patched);
    EXPECT_NE(b.refused.find("unloaded"), std::string::npos) << b.refused;
  }
  const bool interposed = variant == "gcc-O2";
  EXPECT_EQ(r.calls_from("victim_noinline_touch", "libvictim.so.1"), interposed ? 18u : 0u);
  EXPECT_EQ(b.through, interposed ? 18u : 0u);
  EXPECT_EQ(r.bypassed_from("victim_noinline_touch", "libvictim.so.1"), interposed ? 0u : 18u);
}

std::vector<CycleCase> cycle_cases() {
  std::vector<CycleCase> v;
  for (const char* variant : {"gcc-O2", "gcc-O2-nosi", "clang-O2-nosi"})
    for (const char* end : {"open", "closed", "moved"}) v.push_back({variant, end});
  return v;
}
INSTANTIATE_TEST_SUITE_P(Variants, BypassDlopenCycle, testing::ValuesIn(cycle_cases()),
                         [](const testing::TestParamInfo<CycleCase>& i) {
                           std::string n = i.param.variant + "_" + i.param.end;
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

// libprobe's dlopen and dlsym jump to glibc's with the host's return address (dl_points.S), so
// glibc still sees the host's library as the caller: the plugin found only along that library's
// DT_RUNPATH ($ORIGIN/plugins), the $ORIGIN of a path, and dlsym(RTLD_NEXT) from that library all
// answer as without the probe (programs/plugin/plugin_loader.c). A wrapper that calls instead
// (built by hand with -fno-optimize-sibling-calls; gcc -O2 makes `return real(f, m)` a jump
// anyway) printed "runpath -1 origin -1 next loader" and exited 1. The loader's dlopen and dlsym
// must bind to libprobe's, or the test would prove nothing.
TEST(Bypass, DlopenAndDlsymKeepTheCaller) {
  const std::string app = std::string(TEST_PROGRAMS_DIR) + "/plugin/plugin_app";
  for (const char* bypass : {"1", "0"}) {
    Pair p = run_pair({app}, {{"PROBE_BYPASS", bypass}});
    EXPECT_EQ(p.probed.describe(), "exit 0") << p.probed.err;
    EXPECT_EQ(p.probed.out, "runpath 42 origin 42 next base\n");  // the control run's too
  }
  Env env = without_probe(current_environment());
  env["LD_PRELOAD"] = TEST_PROBE;
  env["PROBE_REPORT"] = "/dev/null";
  env["LD_DEBUG"] = "bindings";
  const ExecResult bound = exec({app}, env);
  for (const char* fn : {"dlopen", "dlsym"})
    EXPECT_TRUE(std::regex_search(bound.err, std::regex(std::string("libplugin_loader\\.so.* to ") +
                                                        ".*libprobe\\.so.*symbol `" + fn + "'")))
        << fn << " of the loader is not libprobe's:\n" << bound.err;
}

// The victim, every variant x every library call path: the counter agrees with the table of
// truth. Where the override took the library's call (interposed, ran_unused), the definition saw
// no bypassed call from libvictim; where it was bypassed, the path's one call either reached the
// definition (1 bypassed call: a direct, clone or address site in the scanner's count) or never
// did (0: inlined or folded: an inlined copy in the scanner's DWARF count, or no call site left).
class BypassTruth : public testing::TestWithParam<std::string> {};

TEST_P(BypassTruth, CounterAgreesWithTheTable) {
  const VariantSpec& v = matrix().variant(GetParam());
  if (!variant_built(artifacts(), v)) GTEST_SKIP() << v.compiler << " not found at configure time";
  const scan::LibraryReport lib =
      scan::scan_file(std::string(TEST_VARIANTS) + "/" + v.name + "/" + kLibraryName, {});
  ASSERT_TRUE(lib.error.empty()) << lib.error;
  std::size_t counted = 0;
  for (const PathSpec& p : matrix().paths) {
    if (p.caller != "lib" || p.symbols.empty()) continue;  // data has no entry to count at
    const Observation o = observe(artifacts(), v, p, /*bypass=*/true);
    ASSERT_TRUE(o.problem.empty()) << p.name << ": " << o.problem;
    // The counter changes nothing the table observes.
    EXPECT_EQ(o.verdict, v.expect.at(p.name)) << v.name << " " << p.name;
    for (const std::string& s : p.symbols) {  // libvictim's, and libc's malloc and free
      const std::string ctx = v.name + " " + p.name + " " + s;
      if (!o.bypassed.count(s)) {  // refused: the report says why (checked above for glibc)
        EXPECT_FALSE(o.bypass_refused.at(s).empty()) << ctx;
        continue;
      }
      const std::uint64_t bypassed = o.bypassed.at(s);
      if (o.verdict != Verdict::bypassed) {
        EXPECT_EQ(bypassed, 0u) << ctx;
        EXPECT_GT(o.calls.at(s), 0u) << ctx;
        continue;
      }
      EXPECT_EQ(o.calls.at(s), 0u) << ctx;
      EXPECT_LE(bypassed, 1u) << ctx << ": the path makes one call";
      const scan::SymbolReport* sym = nullptr;
      for (auto& r : lib.symbols)
        if (r.name == s) sym = &r;
      ASSERT_NE(sym, nullptr) << ctx;
      const std::size_t calls_in_file = sym->direct_sites + sym->clone_sites + sym->address_sites;
      if (bypassed == 1)
        EXPECT_GT(calls_in_file, 0u) << ctx << ": a call reached it, so the file has a site";
      else
        EXPECT_TRUE(sym->inlined.value_or(0) > 0 || calls_in_file == 0)
            << ctx << ": no call reached it, so the file inlined or folded it";
      counted += bypassed;
    }
  }
  // Where the table says bypassed because a call became direct (no LTO, no inlining of a noinline
  // function), the counter must have seen it: not a test that passes on zeros.
  if (v.name == "gcc-O2-nosi" || v.name == "gcc-Bsymbolic-functions" || v.name == "gcc-protected") {
    EXPECT_GE(counted, 2u) << v.name << ": noinline and const_result call their targets directly";
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, BypassTruth,
                         testing::ValuesIn(test_support::variant_names(matrix())),
                         test_support::param_name);

}  // namespace
