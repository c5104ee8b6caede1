// symbol_index.hpp — the scanner's map from an address to the exported symbols it names.
//
// Asked about every branch target and PC-relative operand of a file, nearly all of which name no
// export (jumps inside functions). Functions are found by entry, objects by range (any byte of
// an object names it). An entry may also be a *clone* of an exported function: a copy or piece
// of it that GCC made and callers may call instead (`f.constprop.0`, `f.isra.0`, `f.part.0`,
// `f.cold`: callers.hpp), flagged so the scanner counts such calls apart.
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <iterator>
#include <utility>
#include <vector>

namespace interprobe::scan {

// Everything the reference pass needs to turn an address into exported symbols. It is asked
// about every branch target and PC-relative operand of the file, nearly all of which name no
// export (jumps inside functions), so function entries are a sorted vector behind a one-bit-per-
// slot hash filter that answers most of those questions with one cache line: a hash map lookup
// for each was a fifth of the scan (perf, libLLVM-15; docs/PERFORMANCE-scan.md).
class SymbolIndex {
 public:
  static constexpr int kClone = 1 << 30;  // or'ed into a symbol index: the entry is a clone
  void add_function(std::uint64_t addr, int idx) { functions_.emplace_back(addr, idx); }
  void add_clone(std::uint64_t addr, int idx) { functions_.emplace_back(addr, idx | kClone); }
  void add_object(std::uint64_t addr, std::uint64_t size, int idx) {
    objects_.push_back({addr, addr + std::max<std::uint64_t>(size, 1), idx});
  }
  void finish() {
    std::sort(objects_.begin(), objects_.end());
    std::sort(functions_.begin(), functions_.end());
    // About 16 filter bits per function: a non-entry passes with probability <= 1/16.
    shift_ = 64 - 6;
    while ((std::uint64_t{1} << (64 - shift_)) < functions_.size() * 16) --shift_;
    filter_.assign((std::size_t{1} << (64 - shift_)) / 64, 0);
    for (auto& f : functions_) {
      const std::uint64_t b = slot(f.first);
      filter_[b / 64] |= std::uint64_t{1} << (b % 64);
    }
  }

  // The function entries, sorted, each once: where a chunk of the sweep may start (sweep.hpp).
  std::vector<std::uint64_t> function_entries() const {
    std::vector<std::uint64_t> e;
    e.reserve(functions_.size());
    for (auto& f : functions_)
      if (e.empty() || e.back() != f.first) e.push_back(f.first);
    return e;
  }

  template <class F>
  void at(std::uint64_t addr, F&& f) const {
    const std::uint64_t b = slot(addr);
    if (!filter_.empty() && ((filter_[b / 64] >> (b % 64)) & 1) != 0) {
      auto it = std::lower_bound(functions_.begin(), functions_.end(), std::pair(addr, INT_MIN));
      for (; it != functions_.end() && it->first == addr; ++it) f(it->second);
    }
    if (objects_.empty()) return;
    // The nearest object starting at or below addr, and its aliases (same start). Objects that
    // overlap without sharing a start do not occur in compiler output.
    auto it = std::upper_bound(objects_.begin(), objects_.end(), Object{addr, ~0ULL, 1 << 30});
    if (it == objects_.begin()) return;
    const std::uint64_t start = std::prev(it)->start;
    while (it != objects_.begin() && std::prev(it)->start == start) {
      --it;
      if (addr < it->end) f(it->idx);
    }
  }

 private:
  struct Object {
    std::uint64_t start, end;
    int idx;
    bool operator<(const Object& o) const {
      return start != o.start ? start < o.start : end != o.end ? end < o.end : idx < o.idx;
    }
  };
  std::uint64_t slot(std::uint64_t addr) const { return (addr * 0x9E3779B97F4A7C15ULL) >> shift_; }
  std::vector<std::pair<std::uint64_t, int>> functions_;  // (entry, symbol), sorted
  std::vector<std::uint64_t> filter_;
  int shift_ = 58;
  std::vector<Object> objects_;
};

}  // namespace interprobe::scan
