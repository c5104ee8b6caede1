// sparse_counts.cpp — see sparse_counts.hpp. Runs outside the counting path (mmap, memset).
#include "sparse_counts.hpp"

#include <sys/mman.h>

#include <cstring>

namespace shim {

SparseCounts::SparseCounts() {
  Table* t = map_table(0);
  if (t != nullptr) {
    t->owned.store(1, std::memory_order_relaxed);
    tables_[0].store(t, std::memory_order_release);
    used_.store(1, std::memory_order_release);
  }
}

SparseCounts::Table* SparseCounts::map_table(std::uint32_t index) {
  void* p = mmap(nullptr, sizeof(Table), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  auto* t = static_cast<Table*>(p);  // zero-filled by the kernel
  t->index = index;
  return t;
}

SparseCounts::Table* SparseCounts::acquire() {
  // Reuse a table given back by an exited thread (its counts stay and keep adding up).
  const std::size_t n = used_.load(std::memory_order_acquire);
  for (std::size_t i = 1; i < n; ++i) {
    Table* t = tables_[i].load(std::memory_order_acquire);
    std::uint32_t free_flag = 0;
    if (t != nullptr && t->owned.compare_exchange_strong(free_flag, 1, std::memory_order_acq_rel))
      return t;
  }
  // Claim a new index, then map its table.
  std::size_t i = used_.load(std::memory_order_relaxed);
  do {
    if (i >= kMaxTables) return nullptr;
  } while (!used_.compare_exchange_weak(i, i + 1, std::memory_order_acq_rel));
  Table* t = map_table(static_cast<std::uint32_t>(i));
  if (t == nullptr) return nullptr;  // the index stays empty: for_each skips it
  t->owned.store(1, std::memory_order_relaxed);
  tables_[i].store(t, std::memory_order_release);
  return t;
}

void SparseCounts::release(Table* t) {
  if (t != nullptr && t->index != 0) t->owned.store(0, std::memory_order_release);
}

void SparseCounts::reset_after_fork(Table* keep) {
  const std::size_t n = used_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i) {
    Table* t = tables_[i].load(std::memory_order_acquire);
    if (t == nullptr) continue;
    // Give the pages back rather than memset them (a child that never counts stays small):
    // MADV_DONTNEED on a private anonymous mapping reads back as zeros, header included.
    madvise(t, sizeof(Table), MADV_DONTNEED);
    t->index = static_cast<std::uint32_t>(i);
    t->owned.store(i == 0 || t == keep ? 1 : 0, std::memory_order_relaxed);
  }
}

}  // namespace shim
