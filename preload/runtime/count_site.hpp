// count_site.hpp — a call site that an assembler fast path counts by itself (count_site.h: its
// layout for the assembler, x86_64/count_site.inc: the test and the add): a shim's table holds its
// thread's trampoline call sites (shim/sparse_counts.hpp), the runtime holds each thread's bypass
// entry sites (entry_counter.hpp). A call of `id` whose return address is `ret` counts into `cell`
// while the runtime's epoch (attribution.hpp) is `epoch`. Written by the owning thread only; the
// cell is one of that thread's own counts (single writer), so the fast path adds with one `addq`.
#pragma once

#include <cstddef>
#include <cstdint>

#include "count_site.h"

namespace probe {

struct alignas(32) CountSite {
  std::uintptr_t ret;
  std::uint32_t id;
  std::uint32_t epoch;
  std::uint64_t* cell;
  std::uint64_t unused;
};
inline constexpr std::size_t kCountSites = std::size_t{1} << SITE_COUNT_LOG2;

// The site of `ret` in an array of kCountSites.
inline CountSite& count_site(CountSite* sites, std::uintptr_t ret) {
  return sites[(ret >> 2) % kCountSites];
}

static_assert(sizeof(CountSite) == std::size_t{1} << SITE_SIZE_LOG2);
static_assert(offsetof(CountSite, ret) == SITE_RET);
static_assert(offsetof(CountSite, id) == SITE_ID);
static_assert(offsetof(CountSite, epoch) == SITE_EPOCH);
static_assert(offsetof(CountSite, cell) == SITE_CELL);

}  // namespace probe
