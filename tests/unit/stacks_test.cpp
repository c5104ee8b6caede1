// stacks_test.cpp — one unwind per distinct (symbol, call site), counts for the rest.
#include "stacks.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace {

using probe::StackTable;
using probe::Symbol;

int g_unwinds = 0;
int fake_unwind(void** frames, int max) {
  ++g_unwinds;
  int n = max < 3 ? max : 3;
  for (int i = 0; i < n; ++i) frames[i] = reinterpret_cast<void*>(0x1000 + i);
  return n;
}

struct Seen {
  int entries = 0;
  std::uint64_t calls = 0;
};

Seen seen(const StackTable& t) {
  Seen s;
  t.for_each([&](const StackTable::Entry& e) {
    ++s.entries;
    s.calls += e.count.load();
  });
  return s;
}

TEST(Stacks, UnwindsOncePerCallSite) {
  auto t = std::make_unique<StackTable>();
  g_unwinds = 0;
  for (int i = 0; i < 1000; ++i) t->record(Symbol::malloc, 0x4242, 16, fake_unwind);
  EXPECT_EQ(g_unwinds, 1);
  auto s = seen(*t);
  EXPECT_EQ(s.entries, 1);
  EXPECT_EQ(s.calls, 1000u);
}

TEST(Stacks, SameSiteDifferentSymbolsAreDistinct) {
  auto t = std::make_unique<StackTable>();
  g_unwinds = 0;
  t->record(Symbol::malloc, 0x4242, 16, fake_unwind);
  t->record(Symbol::free, 0x4242, 16, fake_unwind);
  EXPECT_EQ(g_unwinds, 2);
  EXPECT_EQ(seen(*t).entries, 2);
}

TEST(Stacks, DepthIsLimitedByTheSetting) {
  auto t = std::make_unique<StackTable>();
  t->record(Symbol::time, 0x10, 2, fake_unwind);
  t->for_each([](const StackTable::Entry& e) { EXPECT_EQ(e.depth, 2u); });
}

TEST(Stacks, FullTableCountsOverflowInsteadOfGrowing) {
  auto t = std::make_unique<StackTable>();
  for (std::uintptr_t site = 1; site <= StackTable::kCapacity + 5; ++site)
    t->record(Symbol::malloc, site * 16, 1, fake_unwind);
  EXPECT_EQ(seen(*t).entries, static_cast<int>(StackTable::kCapacity));
  EXPECT_EQ(t->overflow(), 5u);
}

}  // namespace
