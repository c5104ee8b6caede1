// counters.cpp — see counters.hpp.
#include "counters.hpp"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>

namespace probe {

CounterPool::CounterPool() {
  void* p = mmap(nullptr, kMaxBlocks * sizeof(Block), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) std::abort();  // start-up: address space only, cannot sensibly fail
  base_ = static_cast<char*>(p);
  block(0)->index = 0;
  block(0)->owned.store(1, std::memory_order_relaxed);
}

CounterPool::Block* CounterPool::acquire() {
  // Every block, fresh or given back, is taken by the one CAS of its `owned` from 0 to 1: a fresh
  // block (zero pages) is visible to other threads' scans as soon as high_water_ covers it, so its
  // creator must win it like anyone else, or two threads would count into one block with plain
  // stores and lose increments. Whoever wins writes the index.
  for (;;) {
    std::size_t n = high_water_.load(std::memory_order_acquire);
    if (n > kMaxBlocks) n = kMaxBlocks;
    for (std::size_t i = 1; i < n; ++i)
      if (Block* b = try_take(i)) return b;
    std::size_t i = high_water_.fetch_add(1, std::memory_order_acq_rel);
    if (i >= kMaxBlocks) {
      high_water_.store(kMaxBlocks, std::memory_order_release);
      return shared();
    }
    if (Block* b = try_take(i)) return b;
    // Another thread's scan took our fresh block first: scan again.
  }
}

CounterPool::Block* CounterPool::try_take(std::size_t i) {
  Block* b = block(i);
  std::uint32_t expected = 0;
  if (!b->owned.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) return nullptr;
  b->index = static_cast<std::uint32_t>(i);
  return b;
}

void CounterPool::release(Block* b) {
  if (b != nullptr && b->index != 0) b->owned.store(0, std::memory_order_release);
}

void CounterPool::snapshot(Totals& out) const {
  std::memset(&out, 0, sizeof(Totals));
  std::size_t n = blocks_in_use();
  if (n > kMaxBlocks) n = kMaxBlocks;
  for (std::size_t i = 0; i < n; ++i) {
    Block* b = block(i);
    for (std::size_t s = 0; s < kNumSymbols; ++s)
      for (std::size_t o = 0; o < kMaxObjects; ++o)
        out[s][o] += std::atomic_ref<std::uint64_t>(b->counts[s][o]).load(std::memory_order_relaxed);
  }
}

void CounterPool::snapshot_bypass(std::uint64_t* through, Totals& bypassed) const {
  std::memset(through, 0, kNumSymbols * sizeof(std::uint64_t));
  std::memset(&bypassed, 0, sizeof(Totals));
  std::size_t n = blocks_in_use();
  if (n > kMaxBlocks) n = kMaxBlocks;
  for (std::size_t i = 0; i < n; ++i) {
    Block* b = block(i);
    for (std::size_t s = 0; s < kNumSymbols; ++s) {
      through[s] += std::atomic_ref<std::uint64_t>(b->through[s]).load(std::memory_order_relaxed);
      for (std::size_t o = 0; o < kMaxObjects; ++o)
        bypassed[s][o] +=
            std::atomic_ref<std::uint64_t>(b->bypassed[s][o]).load(std::memory_order_relaxed);
    }
  }
}

void CounterPool::snapshot_stacks(std::uint64_t* out) const {
  std::memset(out, 0, StackTable::kCapacity * sizeof(std::uint64_t));
  std::size_t n = blocks_in_use();
  if (n > kMaxBlocks) n = kMaxBlocks;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t e = 0; e < StackTable::kCapacity; ++e)
      out[e] += std::atomic_ref<std::uint64_t>(block(i)->stack_counts[e]).load(std::memory_order_relaxed);
}

void CounterPool::reset_after_fork(Block* keep) {
  std::size_t n = blocks_in_use();
  if (n > kMaxBlocks) n = kMaxBlocks;
  for (std::size_t i = 0; i < n; ++i) {
    Block* b = block(i);
    std::memset(b->counts, 0, sizeof b->counts);
    std::memset(b->stack_counts, 0, sizeof b->stack_counts);
    std::memset(b->through, 0, sizeof b->through);
    std::memset(b->bypassed, 0, sizeof b->bypassed);
    if (i != 0) b->owned.store(b == keep ? 1 : 0, std::memory_order_relaxed);
  }
}

}  // namespace probe
