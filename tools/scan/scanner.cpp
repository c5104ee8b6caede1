// scanner.cpp — the per-library facts and per-symbol counts of scanner.hpp: relocations first
// (which GOT slot belongs to which symbol), then PLT stubs (which stub jumps through which slot),
// then every executable section's references, then DWARF's inlined copies, then the verdicts.
#include "scanner.hpp"

#include <elf.h>

#include <algorithm>
#include <climits>
#include <unordered_map>

#include <fmt/format.h>

#include "architecture.hpp"
#include "dwarf_inlines.hpp"
#include "elf_image.hpp"

namespace interprobe::scan {

std::string to_string(SymVerdict v) {
  switch (v) {
    case SymVerdict::interposable: return "interposable";
    case SymVerdict::bound: return "bound";
    case SymVerdict::mixed: return "mixed";
    case SymVerdict::none: return "none";
  }
  return "?";
}

std::string describe(SymVerdict v) {
  switch (v) {
    case SymVerdict::interposable: return "interposable internally";
    case SymVerdict::bound: return "bound internally";
    case SymVerdict::mixed: return "mixed";
    case SymVerdict::none: return "no internal references";
  }
  return "?";
}

std::size_t SymbolReport::bound_refs() const {
  std::size_t n = direct_sites + address_sites + local_relocs + local_got_sites + inlined.value_or(0);
  if (preemptible_bound) n += preemptible_relocs();
  return n;
}

std::size_t LibraryReport::count(SymVerdict v) const {
  return static_cast<std::size_t>(
      std::count_if(symbols.begin(), symbols.end(), [v](auto& s) { return s.verdict == v; }));
}

namespace {

bool is_plt_section(const std::string& name) {
  return name == ".plt" || name == ".plt.sec" || name == ".plt.got";
}

// Everything the reference pass needs to turn an address into exported symbols. It is asked
// about every branch target and PC-relative operand of the file, nearly all of which name no
// export (jumps inside functions), so function entries are a sorted vector behind a one-bit-per-
// slot hash filter that answers most of those questions with one cache line: a hash map lookup
// for each was a fifth of the scan (perf, libLLVM-15; docs/PERFORMANCE-scan.md).
class SymbolIndex {
 public:
  void add_function(std::uint64_t addr, int idx) { functions_.emplace_back(addr, idx); }
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

class Scan final : public RefSink {
 public:
  Scan(const ElfInfo& info, Architecture& arch, LibraryReport& out)
      : info_(info), arch_(arch), out_(out) {}

  void run(const ScanOptions& options, Elf* elf) {
    collect_exports();
    collect_relocs();
    collect_plt_stubs();
    for (auto& s : info_.sections)
      if (s.executable() && !is_plt_section(s.name)) arch_.find_references(s.data, s.addr, *this);
    if (options.dwarf) apply_dwarf(elf);
    for (auto& s : out_.symbols) s.verdict = verdict_of(s);
  }

  void on_ref(const CodeRef& r) override {
    switch (r.kind) {
      case RefKind::call:
      case RefKind::jump:
        if (auto it = r.target - stub_lo_ < stub_span_ ? stub_slot_.find(r.target) : stub_slot_.end();
            it != stub_slot_.end()) {
          through_slot(it->second);
        } else {
          index_.at(r.target, [&](int i) { ++out_.symbols[i].direct_sites; });
        }
        break;
      case RefKind::call_via_slot:
      case RefKind::jump_via_slot:
        if (auto it = slot_reloc_.find(r.target); it != slot_reloc_.end()) {
          RelocClass c = arch_.classify_reloc(it->second->type);
          if (c == RelocClass::jump_slot || c == RelocClass::glob_dat) ++out_.facts.got_calls;
          through_slot(r.target);
        }
        break;
      case RefKind::address:
        if (slot_reloc_.count(r.target) != 0) {
          through_slot(r.target);  // a GOT load: `mov sym@GOTPCREL(%rip), %reg`
        } else {
          index_.at(r.target, [&](int i) { ++out_.symbols[i].address_sites; });
        }
        break;
    }
  }

 private:
  void collect_exports() {
    sym_of_dyn_.assign(info_.dynsyms.size(), -1);
    for (std::size_t d = 0; d < info_.dynsyms.size(); ++d) {
      const DynSymbol& s = info_.dynsyms[d];
      if (s.shndx == SHN_UNDEF || s.shndx == SHN_ABS || s.shndx >= SHN_LORESERVE) continue;
      if (s.bind != STB_GLOBAL && s.bind != STB_WEAK && s.bind != STB_GNU_UNIQUE) continue;
      if (s.visibility != STV_DEFAULT && s.visibility != STV_PROTECTED) continue;
      if (s.type != STT_FUNC && s.type != STT_OBJECT && s.type != STT_GNU_IFUNC) continue;
      SymbolReport r;
      r.name = s.name;
      r.type = s.type == STT_FUNC ? "func" : s.type == STT_OBJECT ? "object" : "ifunc";
      r.binding = s.bind == STB_GLOBAL ? "global" : s.bind == STB_WEAK ? "weak" : "unique";
      r.visibility = s.visibility == STV_PROTECTED ? "protected" : "default";
      r.address = s.value;
      r.size = s.size;
      // ld.so resolves a symbolic library's own references in the library first, and a
      // protected definition is never preempted (glibc elf/dl-lookup.c): relocations are bound.
      r.preemptible_bound = info_.dt_symbolic || s.visibility == STV_PROTECTED;
      if (s.visibility == STV_PROTECTED) ++out_.facts.protected_symbols;
      int idx = static_cast<int>(out_.symbols.size());
      sym_of_dyn_[d] = idx;
      if (s.type == STT_OBJECT)
        index_.add_object(s.value, s.size, idx);
      else
        index_.add_function(s.value, idx);
      out_.symbols.push_back(std::move(r));
    }
    index_.finish();
    out_.facts.exported = out_.symbols.size();
  }

  int exported(std::uint32_t dynidx) const {
    return dynidx < sym_of_dyn_.size() ? sym_of_dyn_[dynidx] : -1;
  }

  void collect_relocs() {
    for (const DynReloc& r : info_.relocs) {
      RelocClass c = arch_.classify_reloc(r.type);
      if (c == RelocClass::other) continue;
      slot_reloc_.emplace(r.offset, &r);
      if (c == RelocClass::relative || c == RelocClass::irelative) {
        index_.at(static_cast<std::uint64_t>(r.addend),
                  [&](int i) { ++out_.symbols[i].local_relocs; });
        continue;
      }
      int i = exported(r.sym);
      if (i < 0) continue;
      SymbolReport& s = out_.symbols[i];
      if (c == RelocClass::jump_slot) ++s.jump_slot;
      else if (c == RelocClass::glob_dat) ++s.glob_dat;
      else ++s.absolute;
    }
  }

  void collect_plt_stubs() {
    for (auto& s : info_.sections) {
      if (!is_plt_section(s.name) || !s.executable()) continue;
      if (s.name == ".plt") out_.facts.plt = true;
      if (s.name == ".plt.sec") out_.facts.plt_sec = true;
      if (s.name == ".plt.got") out_.facts.plt_got = true;
      arch_.find_plt_stubs(
          s.data, s.addr,
          [](void* ctx, std::uint64_t entry, std::uint64_t slot) {
            static_cast<Scan*>(ctx)->stub_slot_.emplace(entry, slot);
          },
          this);
    }
    // The stubs' address range: most branches land elsewhere and need no hash lookup.
    if (stub_slot_.empty()) return;
    auto [lo, hi] = std::minmax_element(stub_slot_.begin(), stub_slot_.end());
    stub_lo_ = lo->first;
    stub_span_ = hi->first - lo->first + 1;
  }

  // A code site that reaches whatever the GOT word at `slot` holds.
  void through_slot(std::uint64_t slot) {
    auto it = slot_reloc_.find(slot);
    if (it == slot_reloc_.end()) return;
    const DynReloc& r = *it->second;
    RelocClass c = arch_.classify_reloc(r.type);
    if (c == RelocClass::relative || c == RelocClass::irelative) {
      index_.at(static_cast<std::uint64_t>(r.addend),
                [&](int i) { ++out_.symbols[i].local_got_sites; });
    } else if (int i = exported(r.sym); i >= 0) {
      ++out_.symbols[i].got_sites;
    }
  }

  void apply_dwarf(Elf* elf) {
    InlineCounts inl = count_inlined_instances(elf);
    out_.facts.has_dwarf = inl.has_dwarf;
    if (!inl.has_dwarf) return;
    for (auto& s : out_.symbols) {
      auto it = inl.by_name.find(s.name);
      s.inlined = it == inl.by_name.end() ? 0 : it->second;
    }
  }

  static SymVerdict verdict_of(const SymbolReport& s) {
    const bool takes = s.interposable_refs() > 0, bypasses = s.bound_refs() > 0;
    if (takes && bypasses) return SymVerdict::mixed;
    if (takes) return SymVerdict::interposable;
    if (bypasses) return SymVerdict::bound;
    return SymVerdict::none;
  }

  const ElfInfo& info_;
  Architecture& arch_;
  LibraryReport& out_;
  std::vector<int> sym_of_dyn_;
  SymbolIndex index_;
  std::unordered_map<std::uint64_t, const DynReloc*> slot_reloc_;
  std::unordered_map<std::uint64_t, std::uint64_t> stub_slot_;  // PLT entry -> GOT slot
  std::uint64_t stub_lo_ = 0, stub_span_ = 0;  // [stub_lo_, stub_lo_ + stub_span_) holds them
};

}  // namespace

LibraryReport scan_image(const ElfImage& image, const ScanOptions& options) {
  ElfInfo info = read_elf(image);
  auto arch = make_architecture(info.machine, options.decoder);
  if (!arch)
    throw ScanError(fmt::format("unsupported machine {} (x86-64 only, see docs/SCAN.md)",
                                machine_name(info.machine)));
  LibraryReport out;
  out.facts.machine = arch->name();
  out.facts.soname = info.soname;
  out.facts.dt_symbolic = info.dt_symbolic;
  out.facts.bind_now = info.bind_now;
  out.facts.has_symtab = info.has_symtab;
  out.facts.localalias = info.localalias_count;
  out.facts.compilers = info.comments;
  Scan(info, *arch, out).run(options, image.elf());
  return out;
}

namespace {

template <class Open>
LibraryReport guarded(const std::string& path, const ScanOptions& options, Open&& open) {
  try {
    ElfImage img = open();
    LibraryReport r = scan_image(img, options);
    r.path = path;
    return r;
  } catch (const ScanError& e) {
    LibraryReport r;
    r.path = path;
    r.error = e.what();
    return r;
  } catch (const std::exception& e) {  // e.g. bad_alloc on absurd sizes: still one line
    LibraryReport r;
    r.path = path;
    r.error = std::string("cannot scan: ") + e.what();
    return r;
  }
}

}  // namespace

LibraryReport scan_file(const std::string& path, const ScanOptions& options) {
  return guarded(path, options, [&] { return ElfImage::open_file(path); });
}

LibraryReport scan_bytes(std::span<const std::uint8_t> bytes, const ScanOptions& options) {
  return guarded("<memory>", options, [&] { return ElfImage::from_bytes(bytes); });
}

}  // namespace interprobe::scan
