// shim_aarch64_test.cpp — `interprobe shim` on this x86-64 machine for aarch64 libraries, the
// shims run under qemu-aarch64 (label aarch64). As ../shim_test.cpp does for x86-64: every
// shimmed run is paired with a control run whose stdout, stderr and exit status it must equal.
//   - ABI: tests/shim/abi_lib.c cross-built (x0-x7 and the stack, d0-d7, variadic, x8's indirect
//     result, 128-bit long double, float64x2_t, an HFA, errno), every call counted, also calls
//     from a library loaded later (abi_late_aarch64.c: the slow path's q0-q7 saves matter there);
//   - PROBE_SHIM_BYPASS=1 under an aarch64 shim: every definition refused with the reason;
//   - the victim's gcc-O2 aarch64 variant: the shim counts what the aarch64 libprobe.so counts;
//   - Debian's arm64 libz under a cross-built workload;
//   - the generated trampolines and the compiled counting path, disassembled.
#include <elf.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>

#include "arch.hpp"
#include "exec.hpp"
#include "files.hpp"
#include "matrix.hpp"
#include "probe_report.hpp"
#include "scratch.hpp"
#include "shim_fixture.hpp"
#include "variants.hpp"

namespace {

using namespace interprobe;
namespace fs = std::filesystem;

using test_support::clean_env;

class ShimAarch64 : public test_support::ShimFixture {
 protected:
  ShimAarch64() : ShimFixture("shim-aarch64-test") {}
  // `qemu-aarch64 -L SYSROOT [-E VAR=VALUE]... argv`: -E sets the guest's environment, never
  // qemu's own (a program of this machine).
  ExecResult run(const std::vector<std::string>& argv, const Env& guest) const override {
    std::vector<std::string> q = {TEST_QEMU_AARCH64, "-L", TEST_AARCH64_SYSROOT};
    for (const auto& [k, v] : guest) q.insert(q.end(), {"-E", k + "=" + v});
    q.insert(q.end(), argv.begin(), argv.end());
    return exec(q, clean_env());
  }
  static std::string objdump(const std::string& file, const std::string& function) {
    ExecResult d =
        exec({TEST_AARCH64_OBJDUMP, "-d", "--no-show-raw-insn", "--disassemble=" + function, file},
             clean_env());
    EXPECT_EQ(d.describe(), "exit 0") << d.err;
    const std::size_t at = d.out.find("<" + function + ">:");
    return at == std::string::npos ? "" : d.out.substr(at);
  }
};

const char* const kAbiFunctions[] = {"many_ints",  "many_doubles", "vsum",     "vformat",
                                     "make_big",   "make_pair",    "ld_mul",   "apply",
                                     "read_errno", "neon_add",     "hfa_scale"};

TEST_F(ShimAarch64, EveryArgumentKindPassesThroughUnderQemu) {
  ExecResult plan = generate(SHIM_ABI_LIB_AARCH64, {"--all-exported", "--json"}, dir_ / "abi.so");
  ASSERT_EQ(plan.describe(), "exit 0") << plan.err;
  EXPECT_EQ(nlohmann::json::parse(plan.out)["arch"], "aarch64");
  // Then from libshimabi_late.so, dlopen'ed at the end (abi_late_aarch64.c): calls from an object
  // the shim's map does not know yet, whose slow path refreshes the map with vector arguments live.
  ProbeReport r = run_pair({SHIM_ABI_APP_AARCH64, SHIM_ABI_LATE_AARCH64}, dir_ / "abi.so");
  EXPECT_EQ(r.raw["symbols"].size(), std::size(kAbiFunctions)) << r.raw.dump(1);
  // Three rounds in the main thread, one in another thread (abi_app.c): the first call of each
  // function takes the slow path (q0-q7 saved, resolved), the others the counting path.
  const std::set<std::string> late = {"neon_add", "hfa_scale", "many_doubles"};
  for (const char* fn : kAbiFunctions) {
    EXPECT_EQ(r.calls_from(fn, fs::path(SHIM_ABI_APP_AARCH64).filename()), 4u) << fn;
    const std::uint64_t from_late = late.count(fn);
    EXPECT_EQ(r.calls_from(fn, fs::path(SHIM_ABI_LATE_AARCH64).filename()), from_late) << fn;
    EXPECT_EQ(r.total(fn), 4u + from_late) << fn << ": no call from anywhere else";
  }
  EXPECT_EQ(r.raw["shim"]["library"], SHIM_ABI_LIB_AARCH64);
}

// aarch64 has no entry patcher (preload/patch/aarch64/backend.cpp): with PROBE_SHIM_BYPASS=1 the
// shim reports every definition refused with the reason, and the calls are still counted and
// forwarded unchanged.
TEST_F(ShimAarch64, BypassReportsEveryDefinitionRefused) {
  fs::path shim = make_shim(SHIM_ABI_LIB_AARCH64, "libabi-shim.so");
  ProbeReport b = run_pair({SHIM_ABI_APP_AARCH64}, shim, nullptr, Env{{"PROBE_SHIM_BYPASS", "1"}});
  EXPECT_EQ(b.settings.value("bypass", false), true);
  EXPECT_EQ(b.bypass.size(), std::size(kAbiFunctions)) << b.raw.dump(1);
  for (auto& [fn, rec] : b.bypass) {
    EXPECT_FALSE(rec.patched) << fn;
    // patch::describe(Refusal::no_backend) (preload/patch/patch.hpp)
    EXPECT_EQ(rec.refused, "interprobe has no entry patcher for this architecture yet") << fn;
  }
  for (const char* fn : kAbiFunctions)
    EXPECT_EQ(b.calls_from(fn, fs::path(SHIM_ABI_APP_AARCH64).filename()), 4u) << fn;
}

// The victim's aarch64 variants: for each path whose targets the shim trampolines, the calls the
// shim counts from the path's caller equal those the aarch64 libprobe.so's overrides count (as
// ShimVictim.CountsMatchLibprobeOnEveryPath on x86-64). Two variants here, each cell being four
// emulated processes (~2.3 s a variant): gcc-O2 (calls reach the trampoline through a PLT stub's
// `br x17`) and gcc-noplt-now (the library's own calls of its exported functions load the GOT
// slot and `blr x0`, no PLT stub between: aarch64-linux-gnu-objdump -d of the variant).
class ShimAarch64Victim : public ShimAarch64, public testing::WithParamInterface<std::string> {};

TEST_P(ShimAarch64Victim, CountsMatchLibprobe) {
  const Matrix m = load_matrix(TEST_MATRIX);
  const VariantSpec& v = m.variant(GetParam());
  const Artifacts probe = Artifacts::for_arch("aarch64");
  ASSERT_TRUE(variant_built(probe, v));
  const test_support::VictimComparison c = test_support::compare_with_libprobe(
      m, probe, v, make_shim(probe.variants_dir + "/" + v.name + "/" + kLibraryName, "victim.so"));
  std::cout << v.name << ": " << c.interposed << " of " << c.compared << " interposed\n";
}

INSTANTIATE_TEST_SUITE_P(Variants, ShimAarch64Victim, testing::Values("gcc-O2", "gcc-noplt-now"),
                         test_support::param_name);

// Debian's arm64 libz (never installed: scripts/install-deps.sh unpacks it) under zlib_app.c,
// cross-built: unchanged output, exact counts of the program's own calls.
TEST_F(ShimAarch64, DebianZlibWorkloadRunsUnchangedAndEveryCallIsCounted) {
  fs::path shim = make_shim(SHIM_ZLIB_SO_AARCH64, "libz-shim.so");
  std::string out;
  ProbeReport r = run_pair({SHIM_ZLIB_APP_AARCH64}, shim, &out);
  test_support::expect_zlib_app_counts(r, out, SHIM_ZLIB_APP_AARCH64);
}

// A shim of the aarch64 libc itself, every exported function (as tests/shim/libc_shim_test.cpp
// on x86-64: the runtime's own resolution and reporting never re-enter a trampoline; aarch64's
// glibc resolves memcpy and friends through IFUNCs): the ABI app with its late library runs
// unchanged, and the calls the sources make exactly once are counted once from their caller.
TEST_F(ShimAarch64, ShimOfLibcItselfRunsTheAbiAppUnchanged) {
  fs::path shim = make_shim(std::string(TEST_AARCH64_SYSROOT) + "/lib/libc.so.6", "libc-shim.so");
  ProbeReport r = run_pair({SHIM_ABI_APP_AARCH64, SHIM_ABI_LATE_AARCH64}, shim);
  EXPECT_GT(r.raw["symbols"].size(), 2000u) << "glibc exports ~2,500 functions";
  const std::string app = fs::path(SHIM_ABI_APP_AARCH64).filename();
  for (const char* fn : {"setvbuf", "pthread_create", "pthread_join", "dlopen", "dlsym"})
    EXPECT_EQ(r.calls_from(fn, app), 1u) << fn;
  // late_round's three printf calls (abi_late_aarch64.c): two `bl printf@plt`, and the last a
  // tail call, `b printf@plt` after the epilogue (aarch64-linux-gnu-objdump -d), so x30 is
  // late_round's caller's return address and that call is the app's.
  EXPECT_EQ(r.calls_from("printf", fs::path(SHIM_ABI_LATE_AARCH64).filename()), 2u);
}

// Each trampoline is `bti c; mov w17, #INDEX; b <interprobe_shim_entry>` (objdump of the linked
// shim), and the common entry branches to the definition through x16 (a `br x16` may land on a
// `bti c`).
TEST_F(ShimAarch64, TrampolinesAreLandingPadsThatBranchToTheEntry) {
  ExecResult plan = generate(SHIM_ABI_LIB_AARCH64, {"--all-exported", "--json"}, dir_ / "abi.so");
  ASSERT_EQ(plan.describe(), "exit 0") << plan.err;
  const auto trampolined = nlohmann::json::parse(plan.out)["trampolined"];
  ASSERT_EQ(trampolined.size(), std::size(kAbiFunctions));
  for (std::size_t i = 0; i < trampolined.size(); ++i) {
    const std::string name = trampolined[i], body = objdump(dir_ / "abi.so", name);
    EXPECT_TRUE(std::regex_search(
        body, std::regex(":\\s+bti\\s+c\\n.*:\\s+mov\\s+w17, #0x" + fmt::format("{:x}", i) +
                         "\\s.*\\n.*:\\s+b\\s+[0-9a-f]+ <interprobe_shim_entry>\\n")))
        << name << "\n"
        << body;
  }
  const std::string entry = objdump(dir_ / "abi.so", "interprobe_shim_entry");
  EXPECT_NE(entry.find("br\tx16"), std::string::npos) << entry;
}

// A function of a variant PCS (the vector PCS here: readelf shows [VARIANT_PCS]) gets no
// trampoline: listed as skipped with the reason, an error when named.
TEST_F(ShimAarch64, VariantPcsFunctionsAreSkipped) {
  ExecResult all = generate(SHIM_ABI_LATE_AARCH64, {"--all-exported", "--json"}, dir_ / "late.so");
  ASSERT_EQ(all.describe(), "exit 0") << all.err;
  const auto j = nlohmann::json::parse(all.out);
  EXPECT_EQ(j["trampolined"], nlohmann::json::array({"late_round"}));
  ASSERT_EQ(j["skipped"].size(), 1u) << j.dump(1);
  EXPECT_EQ(j["skipped"][0]["name"], "late_vpcs_add");
  const std::string why = j["skipped"][0]["reason"];
  EXPECT_EQ(why.rfind("a variant-PCS function (STO_AARCH64_VARIANT_PCS", 0), 0u) << why;
  ExecResult named = generate(SHIM_ABI_LATE_AARCH64, {"--symbols", "late_vpcs_add"}, dir_ / "v.so");
  EXPECT_EQ(named.describe(), "exit 2");
  EXPECT_NE(named.err.find("cannot trampoline 'late_vpcs_add'"), std::string::npos) << named.err;
  EXPECT_FALSE(fs::exists(dir_ / "v.so"));
}

// What is missing for an aarch64 library gets one line and exit 2 (docs/cli/shim.md): no
// compiler for aarch64 ($CC targets x86-64, none in PATH), the runtime not built, a runtime
// archive of the wrong machine. Nothing is left behind.
TEST_F(ShimAarch64, MissingCrossPiecesAreNamed) {
  struct Case {
    Env env;
    std::vector<std::string> args;
    std::string must_name;
  };
  Env no_cross = clean_env();
  no_cross["PATH"] = (dir_ / "empty-path").string();  // no aarch64-linux-gnu-gcc
  no_cross["CC"] = "/usr/bin/gcc";                    // this machine's
  Env not_built = clean_env();
  not_built["INTERPROBE_SHIM_RUNTIME"] = (dir_ / "nope.a").string();
  const Case cases[] = {
      {no_cross, {}, "no C compiler for aarch64 found ($CC '/usr/bin/gcc' targets x86_64"},
      {not_built, {}, "the aarch64 shim runtime '" + (dir_ / "nope.a").string() + "' is not there"},
      {clean_env(),
       {"--runtime", TEST_HOST_SHIM_RUNTIME},
       std::string("the shim runtime '") + TEST_HOST_SHIM_RUNTIME +
           "' is for x86-64, the library is aarch64"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"--all-exported"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    ExecResult r = generate(SHIM_ABI_LIB_AARCH64, args, dir_ / "out.so", c.env);
    EXPECT_EQ(r.describe(), "exit 2") << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(c.must_name), std::string::npos) << r.err;
    EXPECT_TRUE(fs::is_empty(dir_)) << "nothing left behind";
  }
}

// The template's trampolines, assembled by the cross gcc: an index of 65536 or more does not
// fit a `mov` immediate (16 bits), so it is loaded with movz and movk.
TEST_F(ShimAarch64, LargeIndicesAreLoadedWithMovzAndMovk) {
  const shim::ArchTemplate* arch = shim::arch_for_machine(EM_AARCH64);
  ASSERT_NE(arch, nullptr);
  std::ofstream(dir_ / "t.S") << "\t.text\n"
                              << arch->trampoline("small", 65535) << arch->trampoline("big", 70000)
                              << "interprobe_shim_entry:\n\tret\n"
                              << arch->notes();
  ExecResult as =
      exec({TEST_AARCH64_GCC, "-c", (dir_ / "t.S").string(), "-o", (dir_ / "t.o").string()},
           clean_env());
  ASSERT_EQ(as.describe(), "exit 0") << as.err;
  EXPECT_TRUE(std::regex_search(objdump(dir_ / "t.o", "small"),
                                std::regex("bti\\s+c\\n.*mov\\s+w17, #0xffff\\s.*\\n.*\\sb\\s")));
  const std::string big = objdump(dir_ / "t.o", "big");  // 70000 = 0x11170
  EXPECT_TRUE(
      std::regex_search(big, std::regex("bti\\s+c\\n.*mov\\s+w17, #0x1170\\s.*\\n.*movk\\s+w17, "
                                        "#0x1, lsl #16\\n.*\\sb\\s")))
      << big;
  ExecResult notes = exec({TEST_AARCH64_READELF, "-n", (dir_ / "t.o").string()}, clean_env());
  EXPECT_NE(notes.out.find("AArch64 feature: BTI, PAC"), std::string::npos) << notes.out;
}

// The entry saves no FP/SIMD register before calling interprobe_shim_hit: that is safe only if
// the counting path's machine code never names one (-mgeneral-regs-only, preload/shim/
// CMakeLists.txt) and calls nothing but the map lookup (-mno-outline-atomics: gcc would call
// libgcc's __aarch64_ldadd8_relax for an atomic add otherwise).
TEST_F(ShimAarch64, CountingPathUsesNoFpSimdRegistersAndCallsOnlyTheMapLookup) {
  fs::path shim = make_shim(SHIM_ABI_LIB_AARCH64, "libabi-shim.so");
  const std::set<std::string> callees = {
      "_ZNK5probe9ObjectMap6lookupEm", "_ZN4shim13cached_objectEm",
      "_ZN4shim10count_callEPNS_12SparseCounts5TableEjmtj",
      "_ZN12_GLOBAL__N_114attribute_missERN5probe10CacheEntryEmj"};
  for (const char* fn :
       {"interprobe_shim_hit", "interprobe_bypass_hit", "_ZN4shim13cached_objectEm",
        "_ZN4shim10count_callEPNS_12SparseCounts5TableEjmtj",
        "_ZN12_GLOBAL__N_114attribute_missERN5probe10CacheEntryEmj",
        "_ZNK5probe9ObjectMap6lookupEm"}) {
    std::string body = objdump(shim, fn);
    ASSERT_GT(std::count(body.begin(), body.end(), '\n'), 10) << fn;
    std::smatch m;
    // Branch targets first ("bl 1234 <name>"), then what is left names only registers.
    for (auto it = body.cbegin();
         std::regex_search(it, body.cend(), m, std::regex("\\s(b|bl)\\s+[0-9a-f]+ <([^>+]+)>"));
         it = m[0].second)
      EXPECT_TRUE(callees.count(m[2]) != 0 || m[2] == fn) << fn << " calls " << m[2];
    // Then the addresses (" b0:", "bl d0 <...>") and objdump's comments, which are no registers.
    body = std::regex_replace(body, std::regex("[0-9a-f]+ <[^>]*>|//[^\n]*"), "");
    body = std::regex_replace(body, std::regex("\n\\s*[0-9a-f]+:"), "\n");
    EXPECT_FALSE(std::regex_search(body, std::regex("[\\s,\\[{]([qdshbvz][0-9]+|p[0-9]+\\.)")))
        << fn << " names an FP/SIMD register:\n"
        << body;
    EXPECT_EQ(body.find("blr"), std::string::npos) << fn << ": an indirect call";
  }
}

}  // namespace
