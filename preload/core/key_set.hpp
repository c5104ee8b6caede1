// key_set.hpp — a fixed-size, lock-free set of non-zero 64-bit keys.
//
// The time hooks remember which POSIX timers and timerfds run on a realtime clock
// (timer_settime and timerfd_settime do not name the clock, yet an absolute deadline on a
// realtime clock must be shifted back: time_shift.hpp). Those calls are async-signal-safe, so
// the set takes no lock and allocates nothing: open addressing over kCapacity atomic slots, a
// removed key leaves a tombstone that a later insert reuses. Full (more than kCapacity realtime
// timers alive at once): insert() returns false and that timer's deadlines are not shifted
// (docs/RELIABILITY.md says so). Concurrent inserts of one key could take two slots; the hooks
// never make them (a timer or a descriptor number is created by one call).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace probe {

class KeySet {
 public:
  static constexpr std::size_t kCapacity = 1024;

  // Adds `key` (non-zero); true if it is in the set afterwards.
  bool insert(std::uint64_t key) {
    if (contains(key)) return true;
    for (std::size_t i = 0, h = hash(key); i < kCapacity; ++i) {
      std::atomic<std::uint64_t>& s = slots_[(h + i) % kCapacity];
      std::uint64_t k = s.load(std::memory_order_acquire);
      if ((k == kEmpty || k == kTombstone) &&
          s.compare_exchange_strong(k, key, std::memory_order_acq_rel))
        return true;
    }
    return false;
  }

  void remove(std::uint64_t key) {
    for (std::size_t i = 0, h = hash(key); i < kCapacity; ++i) {
      std::atomic<std::uint64_t>& s = slots_[(h + i) % kCapacity];
      std::uint64_t k = s.load(std::memory_order_acquire);
      if (k == kEmpty) return;
      if (k == key && s.compare_exchange_strong(k, kTombstone, std::memory_order_acq_rel)) return;
    }
  }

  bool contains(std::uint64_t key) const {
    for (std::size_t i = 0, h = hash(key); i < kCapacity; ++i) {
      std::uint64_t k = slots_[(h + i) % kCapacity].load(std::memory_order_acquire);
      if (k == kEmpty) return false;
      if (k == key) return true;
    }
    return false;
  }

 private:
  static constexpr std::uint64_t kEmpty = 0;
  static constexpr std::uint64_t kTombstone = ~std::uint64_t{0};
  static std::size_t hash(std::uint64_t key) {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 54);  // 10 bits
  }
  std::atomic<std::uint64_t> slots_[kCapacity] = {};
};

static_assert(KeySet::kCapacity == 1024, "hash() yields 10 bits");

}  // namespace probe
