// sparse_counts.hpp — call counts per (symbol index, calling object) for shims of any size.
//
// libprobe.so counts into a dense [symbol][object] block per thread, sized at compile time from
// symbols.def (19 × 256 × 8 bytes = 38 KiB). A generated shim has as many symbols as its library
// exports: 1,600 for libpython would make that 3.2 MiB per thread. Here each thread owns a
// fixed-capacity open-addressing table keyed by (index, object): 16-byte slots, mapped with
// MAP_NORESERVE so only the pages holding slots that were used are ever touched (a program that
// calls 300 distinct (symbol, caller) pairs touches ~5 KiB per thread). The key is published
// with a CAS before the count is incremented, so the report can read every table while threads
// run. Like probe::CounterPool, a thread's table is handed back at thread exit with its counts
// and reused by a later thread; table 0 is shared (atomic adds) by threads that cannot own one.
// Everything on the counting path is integer-only: it runs with -mgeneral-regs-only.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "../runtime/count_site.hpp"
#include "site_layout.h"

namespace shim {

class SparseCounts {
 public:
  static constexpr unsigned kBits = 13;
  static constexpr std::size_t kCapacity = std::size_t{1} << kBits;  // slots per table
  static constexpr std::size_t kMaxProbe = 64;  // then the call is counted as dropped
  static constexpr std::size_t kMaxTables = 1024;

  struct Slot {
    std::atomic<std::uint32_t> key;  // 0 = empty; else make_key()
    std::uint32_t unused;
    std::uint64_t count;
  };
  // The table's owning thread's call sites, for the trampoline's fast path (trampoline_x86_64.S):
  // a call of trampoline `id` from `ret` counts into `cell` while probe::g_epoch is `epoch`.
  // `cell` is a slot's count (or `dropped`) of the same table, so it stays right for a later
  // owner of a table given back (a slot never moves and never changes its key). Written by the
  // owning thread only, filled by count_call (hit.cpp); the report never reads sites.
  using Site = probe::CountSite;
  static constexpr std::size_t kSites = probe::kCountSites;

  struct Table {
    std::atomic<std::uint32_t> owned;
    std::uint32_t index;
    std::uint64_t dropped;
    alignas(64) Site sites[kSites];
    Slot slots[kCapacity];
  };
  static Site& site(Table* t, std::uintptr_t ret) { return probe::count_site(t->sites, ret); }

  // Keys: object ids are < 256 (probe::kMaxObjects); symbol indices < kMaxSymbols (the largest
  // index with object 255 would wrap the key to 0, "empty"). The generator enforces the limit.
  static constexpr std::uint32_t kMaxSymbols = (std::uint32_t{1} << 24) - 1;
  static constexpr std::uint32_t make_key(std::uint32_t symbol, std::uint32_t object) {
    return ((symbol << 8) | (object & 0xff)) + 1;
  }
  static constexpr std::uint32_t key_symbol(std::uint32_t key) { return (key - 1) >> 8; }
  static constexpr std::uint32_t key_object(std::uint32_t key) { return (key - 1) & 0xff; }

  SparseCounts();  // reserves address space for the table pointers; tables are mapped on demand
  SparseCounts(const SparseCounts&) = delete;
  SparseCounts& operator=(const SparseCounts&) = delete;

  // Hook path, integer-only, no calls: one more call under `key`.
  static void add(Table* t, std::uint32_t key) { increment(t, *cell(t, key)); }

  // The count of `key` in `t`, its slot claimed if it had none; `dropped` when the key's
  // neighbourhood is full. Integer-only, no calls.
  static std::uint64_t* cell(Table* t, std::uint32_t key) {
    std::uint32_t h = (key * 0x9E3779B1u) >> (32 - kBits);
    for (std::size_t i = 0; i < kMaxProbe; ++i) {
      Slot& s = t->slots[(h + i) & (kCapacity - 1)];
      std::uint32_t k = s.key.load(std::memory_order_acquire);
      if (k == 0) {
        // Only the shared table has concurrent inserters; a CAS costs nothing measurable on the
        // first call from a pair and keeps both kinds of table one code path.
        if (s.key.compare_exchange_strong(k, key, std::memory_order_acq_rel)) k = key;
      }
      if (k == key) return &s.count;
    }
    return &t->dropped;
  }

  Table* acquire();  // mmap on demand; nullptr if out of tables (then use shared())
  void release(Table* t);
  Table* shared() { return tables_[0].load(std::memory_order_acquire); }
  bool ready() const { return tables_[0].load(std::memory_order_acquire) != nullptr; }

  // Report time: f(key, count) for every used slot of every table (a key may repeat across
  // tables: the caller sums), and the calls dropped because a table's probe limit was reached.
  template <typename F>
  std::uint64_t for_each(F&& f) const {
    std::uint64_t dropped = 0;
    const std::size_t n = used_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < n; ++i) {
      const Table* t = tables_[i].load(std::memory_order_acquire);
      if (t == nullptr) continue;
      for (const Slot& s : t->slots) {
        std::uint32_t k = s.key.load(std::memory_order_acquire);
        if (k != 0) f(k, std::atomic_ref<const std::uint64_t>(s.count).load(std::memory_order_relaxed));
      }
      dropped += std::atomic_ref<const std::uint64_t>(t->dropped).load(std::memory_order_relaxed);
    }
    return dropped;
  }

  // Fork child: counts restart from zero; only `keep` (the forking thread's table) stays owned.
  void reset_after_fork(Table* keep);

  // One more in `c`, a count of `t`: a plain store by an owned table's one writer (the
  // trampoline's fast path does the same, one `addq`), an atomic add in the shared table.
  static void increment(const Table* t, std::uint64_t& c) {
    std::atomic_ref<std::uint64_t> r(c);
    if (t->index == 0)
      r.fetch_add(1, std::memory_order_relaxed);
    else
      r.store(r.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

 private:
  Table* map_table(std::uint32_t index);

  std::atomic<Table*> tables_[kMaxTables] = {};
  std::atomic<std::size_t> used_{0};
};

// The assembler's view of a table (site_layout.h).
static_assert(offsetof(SparseCounts::Table, sites) == SHIM_TABLE_SITES);

}  // namespace shim
