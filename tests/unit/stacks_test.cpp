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

int entries(const StackTable& t) {
  int n = 0;
  t.for_each([&](std::size_t, const StackTable::Entry&) { ++n; });
  return n;
}

TEST(Stacks, UnwindsOncePerCallSite) {
  auto t = std::make_unique<StackTable>();
  g_unwinds = 0;
  int first = t->record(Symbol::malloc, 0x4242, 16, fake_unwind);
  ASSERT_GE(first, 0);
  for (int i = 0; i < 999; ++i) EXPECT_EQ(t->record(Symbol::malloc, 0x4242, 16, fake_unwind), first);
  EXPECT_EQ(g_unwinds, 1);
  EXPECT_EQ(entries(*t), 1);
}

TEST(Stacks, SameSiteDifferentSymbolsAreDistinct) {
  auto t = std::make_unique<StackTable>();
  g_unwinds = 0;
  int a = t->record(Symbol::malloc, 0x4242, 16, fake_unwind);
  int b = t->record(Symbol::free, 0x4242, 16, fake_unwind);
  EXPECT_NE(a, b);
  EXPECT_EQ(g_unwinds, 2);
  EXPECT_EQ(entries(*t), 2);
}

TEST(Stacks, DepthIsLimitedByTheSetting) {
  auto t = std::make_unique<StackTable>();
  t->record(Symbol::time, 0x10, 2, fake_unwind);
  t->for_each([](std::size_t, const StackTable::Entry& e) { EXPECT_EQ(e.depth, 2u); });
}

TEST(Stacks, FullTableCountsOverflowInsteadOfGrowing) {
  auto t = std::make_unique<StackTable>();
  int refused = 0;
  for (std::uintptr_t site = 1; site <= StackTable::kCapacity + 5; ++site)
    refused += t->record(Symbol::malloc, site * 16, 1, fake_unwind) < 0;
  EXPECT_EQ(entries(*t), static_cast<int>(StackTable::kCapacity));
  EXPECT_EQ(refused, 5);
  EXPECT_EQ(t->overflow(), 5u);
}

}  // namespace
