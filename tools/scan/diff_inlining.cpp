// diff_inlining.cpp — diff's second look (diff.hpp): a caller's interposable sites that left it
// with nothing in their place there may have gone, with the caller's own code, into another
// function. The builds' DWARF says where code went:
// - NEW has inlined copies of the symbol nested in an inlined copy of the caller, elsewhere
//   (CallerSites::inlined_via): the caller was inlined there, its call inlined with it (CPython
//   with LTO: _PyInterpreterFrame_GetLine inlined into PyFrame_GetLineNumber and six others, each
//   with PyCode_Addr2Line inlined inside);
// - another caller d gained bound sites that no move of its own explains, and OLD's DWARF has an
//   inlined copy of d in the caller (the call was in d's code, which the caller had inlined: now
//   d is out of line, its call bound: CPython LTO's type_ready in PyType_Ready), or NEW's has an
//   inlined copy of the caller in d.
// Sites found so count as moved (moved_elsewhere says how many); the same the other way round for
// sites that appeared.
#include <algorithm>

#include "diff_internal.hpp"

namespace interprobe::scan::diff_detail {

namespace {

std::size_t minus(std::size_t a, std::size_t b) { return a > b ? a - b : 0; }

std::size_t via(const Named& x, const std::string& caller) {
  auto it = x.via.find(caller);
  return it == x.via.end() ? 0 : it->second;
}

// Takes up to `want` sites from `spare` (bound kinds, in kBoundKinds order) into `to`.
std::size_t take(std::size_t want, KindCounts& spare, KindCounts& to) {
  std::size_t got = 0;
  for (DiffKind d : kBoundKinds) {
    const std::size_t t = std::min(want - got, spare[k(d)]);
    spare[k(d)] -= t;
    to[k(d)] += t;
    got += t;
  }
  return got;
}

}  // namespace

void second_look(SymbolChange& c, const Named& o, const Named& n, const InlinedInto& old_into,
                 const InlinedInto& new_into) {
  // Per caller, the bound growth (shrinkage) pass one did not match with its own sites.
  std::vector<KindCounts> grew(c.callers.size()), shrank(c.callers.size());
  for (std::size_t i = 0; i < c.callers.size(); ++i) {
    const CallerChange& cc = c.callers[i];
    for (DiffKind d : kBoundKinds) {
      const std::size_t a = cc.old_sites[k(d)], b = cc.new_sites[k(d)];
      grew[i][k(d)] = minus(minus(b, a), cc.moved[k(d)]);
      shrank[i][k(d)] = minus(minus(a, b), cc.moved_back[k(d)]);
    }
  }
  for (std::size_t i = 0; i < c.callers.size(); ++i) {
    CallerChange& cc = c.callers[i];
    if (cc.vanished > 0) {
      const std::size_t t = std::min(cc.vanished, minus(via(n, cc.caller), via(o, cc.caller)));
      cc.moved[k(DiffKind::inlined)] += t;
      std::size_t found = t;
      for (std::size_t j = 0; j < c.callers.size() && found < cc.vanished; ++j)
        if (j != i && (old_into.holds(cc.caller, c.callers[j].caller) ||
                       new_into.holds(c.callers[j].caller, cc.caller)))
          found += take(cc.vanished - found, grew[j], cc.moved);
      cc.vanished -= found;
      cc.moved_elsewhere += found;
    }
    if (cc.appeared > 0) {
      const std::size_t t = std::min(cc.appeared, minus(via(o, cc.caller), via(n, cc.caller)));
      cc.moved_back[k(DiffKind::inlined)] += t;
      std::size_t found = t;
      for (std::size_t j = 0; j < c.callers.size() && found < cc.appeared; ++j)
        if (j != i && (new_into.holds(cc.caller, c.callers[j].caller) ||
                       old_into.holds(c.callers[j].caller, cc.caller)))
          found += take(cc.appeared - found, shrank[j], cc.moved_back);
      cc.appeared -= found;
      cc.moved_back_elsewhere += found;
    }
  }
}

}  // namespace interprobe::scan::diff_detail
