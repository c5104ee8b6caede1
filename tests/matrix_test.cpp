// matrix_test.cpp — one test per cell of the truth table (victim/matrix.json): the victim app runs
// the cell's path against the cell's variant with LD_PRELOAD=libprobe.so and without it; the
// probe's JSON report (count, calling object) and the app's visible result must give the verdict
// the table states.
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "exec.hpp"
#include "matrix.hpp"
#include "variants.hpp"

namespace {

using namespace interprobe;

struct Cell {
  std::string variant, path;
};

const Matrix& matrix() { return test_support::test_matrix(); }
Artifacts artifacts() { return test_support::test_artifacts(); }

std::vector<Cell> all_cells() {
  std::vector<Cell> cells;
  for (auto& v : matrix().variants)
    for (auto& p : matrix().paths) cells.push_back({v.name, p.name});
  return cells;
}

class MatrixCell : public testing::TestWithParam<Cell> {};

TEST_P(MatrixCell, VerdictMatchesTheTable) {
  const VariantSpec& v = matrix().variant(GetParam().variant);
  const PathSpec& p = matrix().path(GetParam().path);
  if (!variant_built(artifacts(), v)) GTEST_SKIP() << v.compiler << " not found at configure time";
  const Verdict want = v.expect.at(p.name);
  Observation o = observe(artifacts(), v, p);
  ASSERT_TRUE(o.problem.empty()) << o.problem;

  std::string context = "control: " + std::to_string(o.control_value) +
                        ", preloaded: " + std::to_string(o.probed_value) +
                        "\nprobe stderr: " + o.probed.err;
  if (v.why.count(p.name)) context += "\ntable note: " + v.why.at(p.name);
  EXPECT_EQ(to_string(o.verdict), to_string(want)) << context;

  // The counts themselves: exactly one call from the expected caller when the override ran
  // (each path makes one call of each target), none at all when it was bypassed.
  for (auto& [symbol, calls] : o.calls) {
    if (want == Verdict::bypassed)
      EXPECT_EQ(calls, 0u) << symbol << " from " << o.caller_object << "\n" << context;
    else
      EXPECT_EQ(calls, 1u) << symbol << " from " << o.caller_object << "\n" << context;
  }
  // The control run never sees an override's value (1000 + real), nor a shifted clock.
  EXPECT_LT(o.control_value, 1000 + (p.observe == Observe::time ? 2'000'000'000L : 0));
}

INSTANTIATE_TEST_SUITE_P(Table, MatrixCell, testing::ValuesIn(all_cells()),
                         [](const testing::TestParamInfo<Cell>& cell) {
                           return test_support::test_name(cell.param.variant + "__" +
                                                          cell.param.path);
                         });

// The app and the table must list the same paths (ptr_equal and interp_loop are the app's
// extras, not cells).
TEST(MatrixTable, AppRunsExactlyTheTablesPaths) {
  auto r = exec({TEST_APP, "--list"},
                {{"LD_LIBRARY_PATH", std::string(TEST_VARIANTS) + "/" + matrix().variants[0].name}});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  std::set<std::string> app_paths, table_paths;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) app_paths.insert(line);
  for (auto& p : matrix().paths) table_paths.insert(p.name);
  table_paths.insert("ptr_equal");
  table_paths.insert("interp_loop");
  EXPECT_EQ(app_paths, table_paths);
}

TEST(MatrixTable, EverySurprisingCellIsExplained) {
  // A cell that differs from the reference build (gcc-O2, all interposed) is what a packager
  // will ask about: the table must say why, except where the variant's own description does
  // (nosi's same-file inlining is the article's case and is explained once per family).
  for (auto& v : matrix().variants)
    for (auto& [path, why] : v.why) EXPECT_FALSE(why.empty()) << v.name << " " << path;
}

}  // namespace
