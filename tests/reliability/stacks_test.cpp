// stacks_test.cpp — PROBE_BACKTRACE's per-stack counts are exact: every call from a site is
// counted in the site's stack, with threads at one site, threads that exit and give their block
// to the next, one call instruction reaching two symbols, a report on demand and a fork child.
// The hooks count a known site's stack on their inline fast path and everything else out of line
// (preload/hooks/note.hpp, runtime.cpp); with PROBE_BYPASS only out of line: both are run.
#include <sys/types.h>

#include <set>
#include <utility>

#include "fixture.hpp"

namespace reliability {
namespace {

// (symbol, function of the innermost frame) -> {stacks, calls}, over the stacks whose innermost
// frame is in `app`. Checks on the way that those stacks hold, per symbol, every call the report
// attributes to `app`: a call counted for its object but not in its stack (or twice) shows here.
std::map<std::pair<std::string, std::string>, std::pair<int, std::uint64_t>> stacks_of(
    const ProbeReport& r, const std::string& app) {
  std::map<std::pair<std::string, std::string>, std::pair<int, std::uint64_t>> out;
  std::map<std::string, std::uint64_t> per_symbol;
  EXPECT_EQ(r.raw["stack_overflow"], 0) << r.raw.dump(1);
  for (auto& s : r.raw["stacks"]) {
    if (s["frames"].empty() || file_name_of(s["frames"][0]["object"].get<std::string>()) != app)
      continue;
    auto& e = out[{s["symbol"].get<std::string>(), s["frames"][0]["function"].get<std::string>()}];
    e.first += 1;
    e.second += s["count"].get<std::uint64_t>();
    per_symbol[s["symbol"].get<std::string>()] += s["count"].get<std::uint64_t>();
  }
  for (auto& [symbol, callers] : r.calls)
    EXPECT_EQ(per_symbol[symbol], r.calls_from(symbol, app))
        << symbol << ": the stacks from " << app << " against its calls: " << r.raw.dump(1);
  return out;
}

std::pair<int, std::uint64_t> at(
    const std::map<std::pair<std::string, std::string>, std::pair<int, std::uint64_t>>& m,
    const char* symbol, const char* function) {
  auto it = m.find({symbol, function});
  return it == m.end() ? std::pair<int, std::uint64_t>{0, 0} : it->second;
}

class SiteStacks : public ProbeHost, public testing::WithParamInterface<bool> {
 protected:
  Env env(const std::string& report) const {
    Env e = json_env(report);
    e["PROBE_BACKTRACE"] = "4";
    if (GetParam()) e["PROBE_BYPASS"] = "1";
    return e;
  }
};

TEST_P(SiteStacks, ThreadsAtOneSiteAndThreadsThatExitCountEveryCallInTheSitesStack) {
  run_pair({program("sites_app"), "threads"}, env("t.json"));
  auto s = stacks_of(report_at(dir_ / "t.json"), "sites_app");
  // 2 waves of 4 threads, each 20000 pairs from site_pairs: one stack per (symbol, site).
  EXPECT_EQ(at(s, "malloc", "site_pairs"), std::make_pair(1, std::uint64_t{160'000}));
  EXPECT_EQ(at(s, "free", "site_pairs"), std::make_pair(1, std::uint64_t{160'000}));
  // One call instruction, malloc and valloc alternately (500 each per thread): a stack each.
  EXPECT_EQ(at(s, "malloc", "site_pointer"), std::make_pair(1, std::uint64_t{4'000}));
  EXPECT_EQ(at(s, "valloc", "site_pointer"), std::make_pair(1, std::uint64_t{4'000}));
  EXPECT_EQ(at(s, "free", "site_pointer"), std::make_pair(1, std::uint64_t{8'000}));
}

TEST_P(SiteStacks, AReportOnDemandHoldsTheStacksCountsSoFar) {
  Env e = env("r.json");
  e["PROBE_REPORT_SIGNAL"] = "USR2";
  ExecResult r = exec({program("sites_app"), "signal"}, e);
  ASSERT_EQ(r.describe(), "exit 0") << r.err;
  EXPECT_EQ(r.out, "ok\n");
  // Written by the first malloc after raise(), before that malloc is counted (OnDemand.*).
  auto on_signal = stacks_of(report_at(dir_ / "r.json.signal1"), "sites_app");
  EXPECT_EQ(at(on_signal, "malloc", "site_pairs"), std::make_pair(1, std::uint64_t{3}));
  EXPECT_EQ(at(on_signal, "free", "site_pairs"), std::make_pair(1, std::uint64_t{3}));
  auto at_exit = stacks_of(report_at(dir_ / "r.json"), "sites_app");
  EXPECT_EQ(at(at_exit, "malloc", "site_pairs"), std::make_pair(1, std::uint64_t{5}));
  EXPECT_EQ(at(at_exit, "free", "site_pairs"), std::make_pair(1, std::uint64_t{5}));
}

TEST_P(SiteStacks, AForkChildsStacksHoldItsOwnCalls) {
  run_pair({program("sites_app"), "fork"}, env("f.%p.json"));
  auto reports = files();
  ASSERT_EQ(reports.size(), 2u);
  std::multiset<std::uint64_t> mallocs, frees;
  for (auto& f : reports) {
    auto s = stacks_of(report_at(f), "sites_app");
    EXPECT_EQ(at(s, "malloc", "site_pairs").first, 1) << f;
    mallocs.insert(at(s, "malloc", "site_pairs").second);
    frees.insert(at(s, "free", "site_pairs").second);
  }
  // The child's counts start at zero (its stack table keeps the parent's entries).
  EXPECT_EQ(mallocs, (std::multiset<std::uint64_t>{5, 10}));
  EXPECT_EQ(frees, (std::multiset<std::uint64_t>{5, 10}));
}

INSTANTIATE_TEST_SUITE_P(Bypass, SiteStacks, testing::Bool(),
                         [](const testing::TestParamInfo<bool>& i) {
                           return std::string(i.param ? "with_bypass" : "counting");
                         });

}  // namespace
}  // namespace reliability
