// stacks.hpp — distinct call stacks for PROBE_BACKTRACE=N, unwound once per call site.
//
// Keyed by (symbol, return address): the first call from a site takes the stack (the caller
// passes a function that unwinds, libgcc's unwinder in the probe, a fake in unit tests); later
// calls from the same site only find the entry. So a site reached through several deeper stacks is
// reported with the first one seen — the price of not unwinding on every call. The table holds the
// stacks only: calls per entry are counted by the caller in its thread's counter block
// (counters.hpp), so a hot site called from several threads writes no shared cache line. Fixed
// capacity, open addressing, lock-free inserts; when full, calls are counted in overflow().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "settings.hpp"
#include "symbols.hpp"

namespace probe {

class StackTable {
 public:
  static constexpr std::size_t kCapacity = 4096;
  static constexpr std::size_t kMaxFrames = Settings::kMaxBacktrace;

  struct Entry {
    std::atomic<std::uint64_t> key;    // 0 = empty; else return address ^ symbol tag
    std::atomic<std::uint32_t> ready;  // frames written
    std::uint32_t symbol;
    std::uint32_t depth;
    void* frames[kMaxFrames];
  };

  using Unwind = int (*)(void** frames, int max);

  StackTable();
  StackTable(const StackTable&) = delete;
  StackTable& operator=(const StackTable&) = delete;

  // The index of the site's entry (inserting and unwinding on its first call), or -1 if the table
  // is full (the call is counted in overflow()).
  int record(Symbol s, std::uintptr_t return_address, unsigned max_frames, Unwind unwind);

  // Report time: visits every ready entry with its index.
  template <typename F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < kCapacity; ++i)
      if (entries_[i].ready.load(std::memory_order_acquire)) f(i, entries_[i]);
  }
  std::uint64_t overflow() const { return overflow_.load(std::memory_order_relaxed); }
  void reset_after_fork();

 private:
  Entry* entries_;
  std::atomic<std::uint64_t> overflow_{0};
};

}  // namespace probe
