// site_table.hpp — every internal site the scanner found, gathered per exported symbol and caller.
//
// The sweep, the relocations and the DWARF walk each report (symbol, caller, kind) triples; the
// table sorts them once and writes, per symbol, its CallerSites (sorted by caller name) and the
// totals of SymbolReport (got_sites, direct_sites, ...), which are therefore the sums of the
// per-caller counts by construction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scanner.hpp"

namespace interprobe::scan {

enum class SiteKind : std::uint8_t {
  got,          // code through a PLT stub / GOT slot against the symbol
  direct,       // call/jmp to its address
  clone,        // call/jmp to a local clone of it
  address,      // other PC-relative operand naming it
  local_got,    // code through a GOT slot bound to its address (RELATIVE)
  inlined,      // a DWARF inlined copy
  absolute,     // a data word relocated against it (R_X86_64_64)
  relative,     // a RELATIVE/IRELATIVE word holding its address
  inlined_via,  // an inlined copy inside an inlined copy of this caller, elsewhere (not a site)
};

class SiteTable {
 public:
  void add(std::uint32_t symbol, std::uint32_t caller, SiteKind kind);
  // Writes every symbol's callers and site totals (inlined only if `dwarf`). A function's sites in
  // its own code (recursion) stay in its callers list but count in self_sites, not the totals; a
  // clone call from its own code (f calling f.part.0) and crtstuff's sites are dropped.
  void finish(LibraryReport& out, const std::vector<std::string>& caller_names, bool dwarf);

 private:
  std::vector<std::uint64_t> keys_;  // symbol << 34 | caller << 4 | kind
};

// `s`'s site totals (got_sites, direct_sites, clone_sites, address_sites, local_got_sites,
// local_relocs, self_sites and, if `dwarf`, inlined) as the sums of its callers' counts, set anew:
// the table's rule, also for a symbol whose callers were merged (check: one name's versions).
void total_sites(SymbolReport& s, const std::vector<std::string>& caller_names, bool dwarf);

}  // namespace interprobe::scan
