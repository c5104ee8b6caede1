// stacks.cpp — see stacks.hpp.
#include "stacks.hpp"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>

namespace probe {

StackTable::StackTable() {
  void* p = mmap(nullptr, kCapacity * sizeof(Entry), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) std::abort();
  entries_ = static_cast<Entry*>(p);  // zero pages: every atomic starts at 0
}

int StackTable::record(Symbol s, std::uintptr_t ret, unsigned max_frames, Unwind unwind) {
  // Return addresses use 47 bits; the symbol id goes in the top bits so one site calling two
  // hooked symbols gets two entries.
  const std::uint64_t key = (std::uint64_t{static_cast<unsigned>(s)} + 1) << 56 ^ ret;
  std::size_t i = (key * 0x9E3779B97F4A7C15ull) >> 52;  // 12 bits: kCapacity slots
  for (std::size_t probe = 0; probe < kCapacity; ++probe, i = (i + 1) % kCapacity) {
    Entry& e = entries_[i];
    std::uint64_t k = e.key.load(std::memory_order_acquire);
    if (k == 0) {
      if (!e.key.compare_exchange_strong(k, key, std::memory_order_acq_rel)) {
        if (k != key) continue;  // another site took this slot
      } else {
        // We own the new entry: unwind once, then publish.
        void* frames[kMaxFrames];
        int n = unwind(frames, static_cast<int>(max_frames < kMaxFrames ? max_frames : kMaxFrames));
        e.depth = n > 0 ? static_cast<std::uint32_t>(n) : 0;
        std::memcpy(e.frames, frames, e.depth * sizeof(void*));
        e.symbol = static_cast<unsigned>(s);
        e.ready.store(1, std::memory_order_release);
        return static_cast<int>(i);
      }
    }
    if (k == key) return static_cast<int>(i);
  }
  overflow_.fetch_add(1, std::memory_order_relaxed);
  return -1;
}

void StackTable::reset_after_fork() {
  for (std::size_t i = 0; i < kCapacity; ++i) {
    Entry& e = entries_[i];
    // An entry claimed by a thread that was still unwinding at the fork would never become
    // ready in the child (that thread is gone): free it so its site can be recorded again.
    if (e.key.load(std::memory_order_relaxed) != 0 && e.ready.load(std::memory_order_relaxed) == 0)
      e.key.store(0, std::memory_order_relaxed);
  }
  overflow_.store(0, std::memory_order_relaxed);
}

}  // namespace probe
