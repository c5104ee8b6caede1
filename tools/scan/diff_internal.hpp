// diff_internal.hpp — what diff.cpp and diff_inlining.cpp share: one name's sites in one build,
// and which functions a build's DWARF says were inlined into which.
#pragma once

#include <map>
#include <set>
#include <string>
#include <unordered_map>

#include "diff.hpp"

namespace interprobe::scan::diff_detail {

constexpr std::size_t k(DiffKind d) { return static_cast<std::size_t>(d); }

// Where a caller's lost interposable sites are looked for, in this order.
constexpr std::array<DiffKind, 5> kBoundKinds{DiffKind::direct, DiffKind::clone, DiffKind::inlined,
                                              DiffKind::address, DiffKind::linker_bound};

void add(KindCounts& a, const KindCounts& b);

// One name of one build: its .dynsym entries (versions) summed.
struct Named {
  std::size_t interposable_refs = 0, bound_refs = 0;
  SymVerdict verdict = SymVerdict::none;
  KindCounts total{}, self{};
  std::map<std::string, KindCounts> callers;
  std::map<std::string, std::size_t> via;  // CallerSites::inlined_via, by caller name
  std::set<std::uint32_t> inlined_in_units;
};

std::map<std::string, Named> by_name(const LibraryReport& lib);

// A build's DWARF: does `holder`'s code hold an inlined copy of `f` (LibraryReport::inlined_into)?
class InlinedInto {
 public:
  explicit InlinedInto(const LibraryReport& lib);
  bool holds(const std::string& holder, const std::string& f) const;

 private:
  const LibraryReport& lib_;
  std::unordered_map<std::string, std::uint32_t> id_;
};

// diff_inlining.cpp: the sites pass one left vanished (or appeared) at a caller, looked for in
// the callers related to it through inlining.
void second_look(SymbolChange& c, const Named& o, const Named& n, const InlinedInto& old_into,
                 const InlinedInto& new_into);

}  // namespace interprobe::scan::diff_detail
