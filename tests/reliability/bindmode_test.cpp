// bindmode_test.cpp — the truth table (victim/matrix.json) observed again with victim_app built
// or bound other ways: LD_BIND_NOW=1 (every PLT slot bound at start-up), -fno-plt with -z now
// (calls through the GOT), -fcf-protection with IBT/SHSTK marking (.plt.sec stubs), and a non-PIE
// app (copy relocations, canonical PLT entries). The table's verdicts must hold, except for the
// cells listed in kDiffers below, each with the reason found by experiment.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>
#include <tuple>
#include <utility>

#include "exec.hpp"
#include "matrix.hpp"
#include "variants.hpp"

namespace {

using namespace interprobe;

struct AppBuild {
  const char* name;
  const char* app;       // file under TEST_PROGRAMS_DIR, or "" for the regular victim_app
  bool bind_now = false;  // run with LD_BIND_NOW=1
};

// (app build, variant, path) -> the verdict observed instead of the table's, and why.
struct Difference {
  Verdict verdict;
  const char* why;
};
// Empty: no verdict differs for these builds (measured: 4 builds x 16 variants x 13 paths). The
// app references no victim variable directly (the variable path reads it inside the library), so
// the non-PIE app gets no copy relocation; its one visible difference is pointer equality, which
// is not a table cell and is pinned down by NonPieAppSeesAnotherAddressForAProtectedFunction.
const std::map<std::tuple<std::string, std::string, std::string>, Difference> kDiffers = {};

const Matrix& matrix() { return test_support::test_matrix(); }

struct Cell {
  AppBuild build;
  std::string variant;
};

class BindMode : public testing::TestWithParam<Cell> {};

TEST_P(BindMode, TableVerdictsHold) {
  const AppBuild& b = GetParam().build;
  Artifacts a{TEST_PROBE, TEST_APP, TEST_VARIANTS, TEST_MATRIX};
  if (*b.app != '\0') a.app = std::string(TEST_PROGRAMS_DIR) + "/" + b.app;
  const VariantSpec& v = matrix().variant(GetParam().variant);
  if (!variant_built(a, v)) GTEST_SKIP() << v.compiler << " not found at configure time";
  // observe() passes this process's environment on (minus LD_PRELOAD and PROBE_*), to the
  // control run and the probed run alike; this test process itself is already loaded.
  if (b.bind_now) setenv("LD_BIND_NOW", "1", 1);
  for (const PathSpec& p : matrix().paths) {
    Verdict want = v.expect.at(p.name);
    std::string why;
    if (auto it = kDiffers.find({b.name, v.name, p.name}); it != kDiffers.end()) {
      want = it->second.verdict;
      why = it->second.why;
    }
    Observation o = observe(a, v, p);
    if (!o.problem.empty()) {
      ADD_FAILURE() << p.name << ": " << o.problem;
      continue;
    }
    EXPECT_EQ(to_string(o.verdict), to_string(want))
        << b.name << " / " << v.name << " / " << p.name << ": control " << o.control_value
        << ", preloaded " << o.probed_value << (why.empty() ? "" : "\nexpected because: " + why);
  }
  unsetenv("LD_BIND_NOW");
}

// ptr_equal: does the app see the same address for victim_fnptr_target as the library? A non-PIE
// app takes the address of a function it imports through a canonical PLT entry (readelf: the
// symbol is UND with a non-zero value, 0x401110 here), which the loader then uses as the
// function's address everywhere — except inside a library that binds the function locally.
// Protected visibility does: the library uses its own address, the app the PLT stub's, so the
// two pointers differ. A PIE app loads the address from the GOT and sees the library's. Same
// without the probe: a toolchain fact, recorded because packagers ask about protected symbols.
TEST(BindModeFacts, NonPieAppSeesAnotherAddressForAProtectedFunction) {
  Env env = current_environment();
  env.erase("LD_PRELOAD");
  auto run = [&](const std::string& app, const std::string& variant) {
    env["LD_LIBRARY_PATH"] = std::string(TEST_VARIANTS) + "/" + variant;
    ExecResult r = exec({app, "ptr_equal"}, env);
    EXPECT_EQ(r.exit_status, 0) << r.err;
    return r.out;
  };
  const std::string nopie = std::string(TEST_PROGRAMS_DIR) + "/victim_app_nopie";
  EXPECT_EQ(run(TEST_APP, "gcc-protected"), "ptr_equal 1\n");
  EXPECT_EQ(run(nopie, "gcc-protected"), "ptr_equal 0\n");
  EXPECT_EQ(run(nopie, "gcc-O2"), "ptr_equal 1\n") << "default visibility: the PLT stub wins";
}

std::vector<Cell> cells() {
  const AppBuild builds[] = {{"bind_now", "", true},
                             {"nopie", "victim_app_nopie"},
                             {"noplt_now", "victim_app_noplt_now"},
                             {"cet", "victim_app_cet"}};
  std::vector<Cell> out;
  for (const AppBuild& b : builds)
    for (const VariantSpec& v : matrix().variants) out.push_back({b, v.name});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Apps, BindMode, testing::ValuesIn(cells()),
                         [](const testing::TestParamInfo<Cell>& i) {
                           return test_support::test_name(std::string(i.param.build.name) + "__" +
                                                          i.param.variant);
                         });

}  // namespace
