// counters.hpp — call counts per (symbol, calling object), without a shared cache line on the
// hook path.
//
// Each thread owns one Block (taken from a pool on its first hooked call, given back when it
// exits) and increments its own counters with relaxed single-writer stores: no lock prefix, no
// contention. A block given back keeps its counts and is reused by a later thread, so memory is
// bounded by the largest number of threads alive at once and totals stay exact. Calls that
// cannot own a block (more than kMaxBlocks threads, or a thread already past its exit
// destructor) go to the shared block 0 with atomic adds.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "object_map.hpp"
#include "stacks.hpp"
#include "symbols.hpp"

namespace probe {

// Sum of all blocks: calls by [symbol][object id].
struct Totals {
  std::uint64_t counts[kNumSymbols][kMaxObjects];
  std::uint64_t* operator[](std::size_t s) { return counts[s]; }
  const std::uint64_t* operator[](std::size_t s) const { return counts[s]; }
};

class CounterPool {
 public:
  static constexpr std::size_t kMaxBlocks = 1024;

  // One call site of the owning thread, as libprobe's counting path caches it (hooks/note.hpp):
  // the return address's object, valid while `epoch` is the hooks' current one, and the site's
  // stack-table entry `stack` (PROBE_BACKTRACE) for the symbol `symbol_plus_one` - 1 (0: none, the
  // site's stacks are asked of the table: a loader's call, a full table, another symbol's call
  // from the same site). In the block, not in TLS: the hook reaches it from the block pointer it
  // already holds. A block given back keeps its sites, which stay true for the next owner (an
  // address's object does not depend on the thread).
  struct alignas(32) Site {
    std::uintptr_t ret;
    std::uint32_t epoch;
    ObjectId id;
    std::uint16_t symbol_plus_one;
    std::uint32_t stack;  // < StackTable::kCapacity where symbol_plus_one != 0
  };
  static constexpr std::size_t kSites = 64;

  struct Block {
    std::atomic<std::uint32_t> owned;
    std::uint32_t index;
    Site sites[kSites];  // written by the owning thread only; the reporter never reads them
    std::uint64_t counts[kNumSymbols][kMaxObjects];
    std::uint64_t stack_counts[StackTable::kCapacity];  // calls per stack-table entry
    // PROBE_BYPASS (preload/hooks/bypass.hpp), counted at the real definitions' entries: calls
    // that came through the override, per symbol, and calls that bypassed it, per symbol and
    // calling object. Pages never touched without PROBE_BYPASS.
    std::uint64_t through[kNumSymbols];
    std::uint64_t bypassed[kNumSymbols][kMaxObjects];
  };

  // A block's address leaves the low bits free for flags (runtime/guard.hpp's state word).
  static_assert(alignof(Block) >= 8 && sizeof(Block) % 8 == 0);
  static_assert(sizeof(Site) == 32);  // the slot's offset is (ret << 3) & 0x7e0: two instructions
  static Site& site(Block* b, std::uintptr_t ret) { return b->sites[(ret >> 2) % kSites]; }

  CounterPool();  // reserves address space (MAP_NORESERVE); pages are touched only when used
  CounterPool(const CounterPool&) = delete;
  CounterPool& operator=(const CounterPool&) = delete;

  Block* acquire();
  void release(Block* b);
  Block* shared() { return block(0); }  // block 0: threads without a block of their own

  // One more in the counter `c` of block `b`: a plain store by the block's one owner, an atomic
  // add in the shared block 0.
  static void bump(Block* b, std::uint64_t& c) {
    if (b->index == 0) {
      std::atomic_ref<std::uint64_t>(c).fetch_add(1, std::memory_order_relaxed);
    } else {
      bump_owned(c);
    }
  }
  // bump() in a block the calling thread owns (never block 0): the plain store only. On x86-64
  // one `addq $1, mem` (no lock prefix): its load and store are each single-copy atomic for an
  // aligned 8-byte word (Intel SDM vol. 3A, 9.1.1), so the reporter's relaxed loads see the old
  // or the new count, as with the load and store below, which GCC does not fuse (three
  // instructions; bench/: 4 per malloc+free pair).
  static void bump_owned(std::uint64_t& c) {
#if defined(__x86_64__)
    asm("addq $1, %0" : "+m"(c));
#else
    std::atomic_ref<std::uint64_t> r(c);
    r.store(r.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
#endif
  }
  static void add(Block* b, Symbol s, ObjectId o) {
    bump(b, b->counts[static_cast<unsigned>(s)][o]);
  }
  static void add_owned(Block* b, Symbol s, ObjectId o) {
    bump_owned(b->counts[static_cast<unsigned>(s)][o]);
  }
  // One call from the stack-table entry `entry` (PROBE_BACKTRACE), like add().
  static void add_stack(Block* b, int entry) {
    bump(b, b->stack_counts[static_cast<unsigned>(entry) % StackTable::kCapacity]);
  }
  // A slot's stack entry, known to be below kCapacity (Site::stack): no mask on the hook path.
  static void add_stack_owned(Block* b, std::uint32_t entry) { bump_owned(b->stack_counts[entry]); }

  // Sums every block's bypass counts: through[kNumSymbols], and bypassed calls into `bypassed`.
  void snapshot_bypass(std::uint64_t* through, Totals& bypassed) const;
  // Sums every block's calls per stack-table entry into out[StackTable::kCapacity].
  void snapshot_stacks(std::uint64_t* out) const;

  // Sums every block into `out` (may run while other threads count: each load is atomic).
  void snapshot(Totals& out) const;

  // In a fork child: counts start from zero, and only `keep` (the forking thread's block) is owned.
  void reset_after_fork(Block* keep);

  std::size_t blocks_in_use() const { return high_water_.load(std::memory_order_acquire); }

 private:
  Block* block(std::size_t i) const { return reinterpret_cast<Block*>(base_ + i * sizeof(Block)); }
  Block* try_take(std::size_t i);  // nullptr if block i is owned
  char* base_;
  std::atomic<std::size_t> high_water_{1};  // block 0 is the shared one
};

}  // namespace probe
