// site_table.cpp — per-symbol, per-caller site counts (site_table.hpp).
#include "site_table.hpp"

#include <algorithm>

#include "callers.hpp"

namespace interprobe::scan {

void SiteTable::add(std::uint32_t symbol, std::uint32_t caller, SiteKind kind) {
  keys_.push_back(std::uint64_t{symbol} << 34 | std::uint64_t{caller} << 4 |
                  static_cast<std::uint64_t>(kind));
}

namespace {

std::uint32_t& field(CallerSites& c, SiteKind k) {
  switch (k) {
    case SiteKind::got:
      return c.got;
    case SiteKind::direct:
      return c.direct;
    case SiteKind::clone:
      return c.clone;
    case SiteKind::address:
      return c.address;
    case SiteKind::local_got:
      return c.local_got;
    case SiteKind::inlined:
      return c.inlined;
    case SiteKind::absolute:
      return c.absolute;
    case SiteKind::relative:
      return c.relative;
    case SiteKind::inlined_via:
      return c.inlined_via;
  }
  return c.got;
}

}  // namespace

void SiteTable::finish(LibraryReport& out, const std::vector<std::string>& caller_names,
                       bool dwarf) {
  std::sort(keys_.begin(), keys_.end());
  for (std::size_t i = 0; i < keys_.size();) {
    const std::uint64_t key = keys_[i];
    std::size_t j = i;
    while (j < keys_.size() && keys_[j] == key) ++j;
    const auto n = static_cast<std::uint32_t>(j - i);
    i = j;
    const auto symbol = static_cast<std::uint32_t>(key >> 34);
    const auto caller = static_cast<std::uint32_t>((key >> 4) & ((1u << 30) - 1));
    const auto kind = static_cast<SiteKind>(key & 15);
    SymbolReport& s = out.symbols[symbol];
    if (caller != 0 && is_toolchain_function(caller_names[caller])) continue;
    if (kind == SiteKind::clone && caller != 0 && caller_names[caller] == s.name) continue;
    if (s.callers.empty() || s.callers.back().caller != caller)
      s.callers.push_back(CallerSites{caller});
    field(s.callers.back(), kind) += n;
  }
  keys_.clear();
  keys_.shrink_to_fit();
  for (SymbolReport& s : out.symbols) {
    std::sort(s.callers.begin(), s.callers.end(), [&](const CallerSites& a, const CallerSites& b) {
      return caller_names[a.caller] < caller_names[b.caller];
    });
    total_sites(s, caller_names, dwarf);
  }
}

void total_sites(SymbolReport& s, const std::vector<std::string>& caller_names, bool dwarf) {
  s.got_sites = s.direct_sites = s.clone_sites = s.address_sites = s.local_got_sites =
      s.local_relocs = s.self_sites = 0;
  std::size_t inlined = 0;
  for (const CallerSites& c : s.callers) {
    // A function's references from its own code (recursion) are no caller elsewhere: listed,
    // counted apart.
    if (c.caller != 0 && s.type != "object" && caller_names[c.caller] == s.name) {
      s.self_sites += c.got + c.direct + c.address + c.local_got;
      continue;
    }
    s.got_sites += c.got;
    s.direct_sites += c.direct;
    s.clone_sites += c.clone;
    s.address_sites += c.address;
    s.local_got_sites += c.local_got;
    s.local_relocs += c.relative;
    inlined += c.inlined;
  }
  if (dwarf) s.inlined = inlined;
}

}  // namespace interprobe::scan
