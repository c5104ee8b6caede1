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
  std::size_t n = high_water_.load(std::memory_order_acquire);
  for (std::size_t i = 1; i < n; ++i) {
    std::uint32_t expected = 0;
    if (block(i)->owned.compare_exchange_strong(expected, 1, std::memory_order_acq_rel))
      return block(i);
  }
  std::size_t i = high_water_.fetch_add(1, std::memory_order_acq_rel);
  if (i >= kMaxBlocks) {
    high_water_.store(kMaxBlocks, std::memory_order_release);
    return shared_block();
  }
  Block* b = block(i);
  b->index = static_cast<std::uint32_t>(i);
  b->owned.store(1, std::memory_order_release);
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

void CounterPool::reset_after_fork(Block* keep) {
  std::size_t n = blocks_in_use();
  if (n > kMaxBlocks) n = kMaxBlocks;
  for (std::size_t i = 0; i < n; ++i) {
    Block* b = block(i);
    std::memset(b->counts, 0, sizeof b->counts);
    if (i != 0) b->owned.store(b == keep ? 1 : 0, std::memory_order_relaxed);
  }
}

}  // namespace probe
