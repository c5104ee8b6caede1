// scan_truth_test.cpp — the scanner against the probe, on every victim variant.
//
// For each variant, the probe observes every library call path of the truth table (tools/matrix
// observe(): a control run and an LD_PRELOAD run, the same observations as tests/matrix_test.cpp)
// and the scanner reads the variant's libvictim.so.1. Per target symbol, the probe's outcomes of
// its paths and the scanner's verdict must agree by the rule in truth_rule.hpp (shared with
// check_test.cpp, which holds `interprobe check` to it).
#include <gtest/gtest.h>

#include <set>

#include "matrix.hpp"
#include "scanner.hpp"
#include "variants.hpp"
#include "truth_rule.hpp"

namespace {

using namespace interprobe;

const Matrix& matrix() { return test_support::test_matrix(); }
Artifacts artifacts() { return test_support::test_artifacts(); }

const scan::SymbolReport* find(const scan::LibraryReport& r, const std::string& name) {
  for (auto& s : r.symbols)
    if (s.name == name) return &s;
  return nullptr;
}

std::string counts(const scan::SymbolReport& s) {
  return "jump_slot " + std::to_string(s.jump_slot) + ", glob_dat " + std::to_string(s.glob_dat) +
         ", got_sites " + std::to_string(s.got_sites) + ", direct " +
         std::to_string(s.direct_sites) + ", address " + std::to_string(s.address_sites) +
         ", local_relocs " + std::to_string(s.local_relocs) + ", local_got_sites " +
         std::to_string(s.local_got_sites) + ", inlined " +
         (s.inlined ? std::to_string(*s.inlined) : "-") +
         (s.preemptible_bound ? ", relocations bound (symbolic/protected)" : "");
}

class ScanTruth : public testing::TestWithParam<std::string> {};

TEST_P(ScanTruth, ScannerAgreesWithTheProbe) {
  const VariantSpec& v = matrix().variant(GetParam());
  if (!variant_built(artifacts(), v)) GTEST_SKIP() << v.compiler << " not found at configure time";
  const std::string lib = std::string(TEST_VARIANTS) + "/" + v.name + "/" + kLibraryName;

  // What the probe saw, per target symbol.
  std::map<std::string, std::set<std::string>> seen;  // symbol -> {"interposed", "bypassed"}
  std::map<std::string, std::string> notes;
  for (const PathSpec& p : matrix().paths) {
    auto syms = truth::lib_targets(p);
    if (syms.empty()) continue;
    Observation o = observe(artifacts(), v, p);
    ASSERT_TRUE(o.problem.empty()) << p.name << ": " << o.problem;
    ASSERT_NE(o.verdict, Verdict::inconsistent) << p.name;
    const std::string took = o.verdict == Verdict::bypassed ? "bypassed" : "interposed";
    for (auto& s : syms) {
      seen[s].insert(took);
      notes[s] += " " + p.name + "=" + to_string(o.verdict);
    }
  }
  ASSERT_FALSE(seen.empty());

  for (bool dwarf : {true, false}) {
    scan::ScanOptions so;
    so.dwarf = dwarf;
    scan::LibraryReport r = scan::scan_file(lib, so);
    ASSERT_TRUE(r.error.empty()) << lib << ": " << r.error;
    for (auto& [sym, how] : seen) {
      const scan::SymbolReport* s = find(r, sym);
      ASSERT_NE(s, nullptr) << sym << " not exported by " << lib;
      const std::string ctx = "variant " + v.name + ", symbol " + sym + ", probe:" + notes[sym] +
                              "\nscanner (" + (dwarf ? "with" : "without") + " DWARF): " +
                              scan::describe(s->verdict) + " — " + counts(*s);
      EXPECT_TRUE(truth::scanner_agrees(how, s->verdict))
          << ctx << "\nallowed: " << truth::allowed(how);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, ScanTruth,
                         testing::ValuesIn(test_support::variant_names(matrix())),
                         test_support::param_name);

}  // namespace
