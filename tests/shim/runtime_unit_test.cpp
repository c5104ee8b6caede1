// runtime_unit_test.cpp — the shim runtime's pure parts without preloading anything: the sparse
// per-thread count tables (preload/shim/sparse_counts.hpp) and the report renderer, whose JSON
// must read back through the same parser as libprobe.so's report.
#include <gtest/gtest.h>

#include <map>
#include <thread>
#include <vector>

#include "probe_report.hpp"
#include "report.hpp"
#include "sparse_counts.hpp"

namespace {

using shim::SparseCounts;

std::map<std::uint32_t, std::uint64_t> sums(const SparseCounts& c, std::uint64_t* dropped = nullptr) {
  std::map<std::uint32_t, std::uint64_t> m;
  std::uint64_t d = c.for_each([&](std::uint32_t k, std::uint64_t n) { m[k] += n; });
  if (dropped != nullptr) *dropped = d;
  return m;
}

TEST(SparseCounts, KeysRoundTripAndNeverCollideWithEmpty) {
  for (std::uint32_t s : {0u, 1u, 1599u, SparseCounts::kMaxSymbols - 1})
    for (std::uint32_t o : {0u, 1u, 255u}) {
      const std::uint32_t k = SparseCounts::make_key(s, o);
      EXPECT_NE(k, 0u);
      EXPECT_EQ(SparseCounts::key_symbol(k), s);
      EXPECT_EQ(SparseCounts::key_object(k), o);
    }
}

TEST(SparseCounts, CountsPerKeyAcrossThreadsAndReusedTables) {
  auto counts = std::make_unique<SparseCounts>();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      SparseCounts::Table* table = counts->acquire();
      ASSERT_NE(table, nullptr);
      for (std::uint32_t s = 0; s < 1600; ++s)  // a libpython-sized shim
        for (int i = 0; i <= t; ++i) SparseCounts::add(table, SparseCounts::make_key(s, 3));
      counts->release(table);
    });
  for (auto& th : threads) th.join();
  SparseCounts::add(counts->shared(), SparseCounts::make_key(7, 4));
  std::uint64_t dropped = 1;
  auto m = sums(*counts, &dropped);
  EXPECT_EQ(dropped, 0u);
  EXPECT_EQ(m.size(), 1601u);
  EXPECT_EQ(m[SparseCounts::make_key(0, 3)], 36u);  // 1 + 2 + ... + 8
  EXPECT_EQ(m[SparseCounts::make_key(1599, 3)], 36u);
  EXPECT_EQ(m[SparseCounts::make_key(7, 4)], 1u);
}

TEST(SparseCounts, AFullNeighbourhoodCountsAsDroppedNotLost) {
  auto counts = std::make_unique<SparseCounts>();
  SparseCounts::Table* t = counts->acquire();
  // More distinct keys than slots: every call is either in a slot or in `dropped`.
  const std::uint32_t n = SparseCounts::kCapacity + 500;
  for (std::uint32_t s = 0; s < n; ++s) SparseCounts::add(t, SparseCounts::make_key(s, 1));
  std::uint64_t dropped = 0, total = 0;
  for (auto& [k, c] : sums(*counts, &dropped)) total += c;
  EXPECT_EQ(total + dropped, n);
  EXPECT_GE(dropped, 500u);
}

TEST(SparseCounts, ResetAfterForkKeepsOnlyTheForkingThreadsTable) {
  auto counts = std::make_unique<SparseCounts>();
  SparseCounts::Table* mine = counts->acquire();
  SparseCounts::Table* other = counts->acquire();
  SparseCounts::add(mine, SparseCounts::make_key(1, 1));
  SparseCounts::add(other, SparseCounts::make_key(2, 1));
  counts->reset_after_fork(mine);
  EXPECT_TRUE(sums(*counts).empty());
  EXPECT_EQ(counts->acquire(), other) << "the other thread's table is free again";
  SparseCounts::add(mine, SparseCounts::make_key(1, 1));
  EXPECT_EQ(sums(*counts)[SparseCounts::make_key(1, 1)], 1u);
}

// A shim's report as shim_report.cpp builds it: one row per trampoline, family "shim", and the
// "shim" object; rendered by libprobe's one renderer (core/report.hpp).
std::string sample(probe::Format format) {
  static probe::Settings settings;
  settings.format = format;
  probe::ReportData d;
  d.version = "9.9";
  d.settings = &settings;
  d.pid = 42;
  d.shim = probe::ShimFacts{"/lib/lib\"odd\".so", 3, 0};
  d.symbols = {{"alpha", "shim", {{2, 5}, {1, 3}}, {}},
               {"beta", "shim", {}, {}},
               {"gamma", "shim", {{0, 1}}, {}}};
  d.objects = {"[unknown]", "/bin/app", "/lib/libx.so"};
  return probe::render(d);
}

TEST(ShimReport, JsonReadsBackAsAProbeReport) {
  std::string error;
  auto r = interprobe::parse_probe_report(sample(probe::Format::json), &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->calls_from("alpha", "libx.so"), 5u);
  EXPECT_EQ(r->calls_from("alpha", "app"), 3u);
  EXPECT_EQ(r->total("beta"), 0u);
  EXPECT_EQ(r->calls_from("gamma", "[unknown]"), 1u);
  EXPECT_EQ(r->raw["symbols"].size(), 3u) << "every symbol, called or not";
  EXPECT_EQ(r->raw["symbols"][0]["family"], "shim");
  EXPECT_EQ(r->raw["shim"]["library"], "/lib/lib\"odd\".so");
  EXPECT_EQ(r->raw["shim"]["symbols"], 3);
  // libprobe's envelope (one renderer): the trigger and the report signal are there too.
  EXPECT_EQ(r->raw["trigger"], "exit");
  EXPECT_EQ(r->raw["settings"]["report_signal"], 0);
}

TEST(ShimReport, TextNamesTheLibraryAndCountsTheSilentSymbols) {
  std::string t = sample(probe::Format::text);
  EXPECT_NE(t.find("== interprobe shim 9.9 for /lib/lib\"odd\".so"), std::string::npos) << t;
  EXPECT_NE(t.find("not called: 1 of 3"), std::string::npos) << t;
  EXPECT_EQ(t.find("beta"), std::string::npos) << t;
}

}  // namespace
