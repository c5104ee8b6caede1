// counters_test.cpp — per-thread counter blocks: exact totals, reuse, fork reset.
#include "counters.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <thread>
#include <vector>

namespace {

using probe::CounterPool;
using probe::Symbol;

std::unique_ptr<probe::Totals> totals_of(const CounterPool& pool) {
  auto t = std::make_unique<probe::Totals>();
  pool.snapshot(*t);
  return t;
}

TEST(Counters, CountsPerSymbolAndObject) {
  auto pool = std::make_unique<CounterPool>();
  auto* b = pool->acquire();
  CounterPool::add(b, Symbol::malloc, 3);
  CounterPool::add(b, Symbol::malloc, 3);
  CounterPool::add(b, Symbol::free, 4);
  auto t = totals_of(*pool);
  EXPECT_EQ((*t)[static_cast<unsigned>(Symbol::malloc)][3], 2u);
  EXPECT_EQ((*t)[static_cast<unsigned>(Symbol::free)][4], 1u);
  EXPECT_EQ((*t)[static_cast<unsigned>(Symbol::free)][3], 0u);
}

TEST(Counters, ReleasedBlockIsReusedAndKeepsItsCounts) {
  auto pool = std::make_unique<CounterPool>();
  auto* a = pool->acquire();
  CounterPool::add(a, Symbol::time, 1);
  pool->release(a);
  auto* b = pool->acquire();
  EXPECT_EQ(a, b) << "a thread that exited gives its block to the next one";
  CounterPool::add(b, Symbol::time, 1);
  EXPECT_EQ((*totals_of(*pool))[static_cast<unsigned>(Symbol::time)][1], 2u);
  EXPECT_NE(pool->acquire(), b) << "an owned block is never handed out twice";
}

TEST(Counters, ThreadsCountExactly) {
  auto pool = std::make_unique<CounterPool>();
  constexpr int kThreads = 8, kCalls = 200'000;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&pool] {
      auto* b = pool->acquire();
      for (int n = 0; n < kCalls; ++n) CounterPool::add(b, Symbol::malloc, 7);
      pool->release(b);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ((*totals_of(*pool))[static_cast<unsigned>(Symbol::malloc)][7],
            std::uint64_t{kThreads} * kCalls);
}

TEST(Counters, ConcurrentFirstAcquiresNeverShareABlock) {
  // Threads that start together all take fresh blocks while high_water_ grows: a thread scanning
  // the pool must not take a block another thread has just created (a race found by
  // reading acquire(); this test failed on the old code in every run). Witness: the blocks held at
  // the same time are distinct.
  constexpr int kThreads = 16, kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    auto pool = std::make_unique<CounterPool>();
    std::atomic<int> ready{0};
    std::vector<CounterPool::Block*> held(kThreads, nullptr);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
      threads.emplace_back([&, i] {
        ready.fetch_add(1);
        while (ready.load() < kThreads) std::this_thread::yield();
        held[i] = pool->acquire();
        for (int n = 0; n < 1000; ++n) CounterPool::add(held[i], Symbol::malloc, 1);
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(std::set<CounterPool::Block*>(held.begin(), held.end()).size(), std::size_t{kThreads})
        << "round " << round;
    EXPECT_EQ((*totals_of(*pool))[static_cast<unsigned>(Symbol::malloc)][1],
              std::uint64_t{kThreads} * 1000);
  }
}

TEST(Counters, SharedBlockIsAtomic) {
  auto pool = std::make_unique<CounterPool>();
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&pool] {
      for (int n = 0; n < 100'000; ++n) CounterPool::add(pool->shared(), Symbol::free, 2);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ((*totals_of(*pool))[static_cast<unsigned>(Symbol::free)][2], 400'000u);
}

TEST(Counters, ForkResetKeepsOnlyTheForkingThreadsBlock) {
  auto pool = std::make_unique<CounterPool>();
  auto* mine = pool->acquire();
  auto* other = pool->acquire();
  CounterPool::add(mine, Symbol::malloc, 1);
  CounterPool::add(other, Symbol::malloc, 1);
  pool->reset_after_fork(mine);
  EXPECT_EQ((*totals_of(*pool))[static_cast<unsigned>(Symbol::malloc)][1], 0u);
  EXPECT_EQ(pool->acquire(), other) << "the other thread does not exist in the child";
}

}  // namespace

namespace {

// PROBE_BACKTRACE's calls per stack-table entry live in the threads' own blocks too: exact totals
// with no shared cache line written per call (the stack table holds the frames only).
TEST(Counters, StackCountsPerThreadAreExact) {
  auto pool = std::make_unique<probe::CounterPool>();
  constexpr int kThreads = 4, kCalls = 100'000;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&pool] {
      auto* b = pool->acquire();
      for (int n = 0; n < kCalls; ++n) probe::CounterPool::add_stack(b, 17);
      pool->release(b);
    });
  for (auto& t : threads) t.join();
  std::vector<std::uint64_t> out(probe::StackTable::kCapacity);
  pool->snapshot_stacks(out.data());
  EXPECT_EQ(out[17], std::uint64_t{kThreads} * kCalls);
  EXPECT_EQ(out[16], 0u);
  pool->reset_after_fork(nullptr);
  pool->snapshot_stacks(out.data());
  EXPECT_EQ(out[17], 0u) << "a fork child counts its own calls only";
}

}  // namespace
