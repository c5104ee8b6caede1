// scanner.cpp — the per-library facts and per-symbol counts of scanner.hpp: relocations first
// (which GOT slot belongs to which symbol), then PLT stubs (which stub jumps through which slot),
// then every executable section's references (on several threads when the caller gives them:
// sweep.hpp), then DWARF's inlined copies, then the verdicts.
#include "scanner.hpp"

#include <elf.h>
#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <unordered_map>
#include <vector>

#include "architecture.hpp"
#include "dwarf_inlines.hpp"
#include "elf_image.hpp"
#include "sweep.hpp"

namespace interprobe::scan {

std::string to_string(SymVerdict v) {
  switch (v) {
    case SymVerdict::interposable:
      return "interposable";
    case SymVerdict::bound:
      return "bound";
    case SymVerdict::mixed:
      return "mixed";
    case SymVerdict::none:
      return "none";
  }
  return "?";
}

std::string describe(SymVerdict v) {
  switch (v) {
    case SymVerdict::interposable:
      return "interposable internally";
    case SymVerdict::bound:
      return "bound internally";
    case SymVerdict::mixed:
      return "mixed";
    case SymVerdict::none:
      return "no internal references";
  }
  return "?";
}

std::size_t SymbolReport::bound_refs() const {
  std::size_t n =
      direct_sites + address_sites + local_relocs + local_got_sites + inlined.value_or(0);
  if (preemptible_bound) n += preemptible_relocs();
  return n;
}

std::size_t LibraryReport::count(SymVerdict v) const {
  return static_cast<std::size_t>(
      std::count_if(symbols.begin(), symbols.end(), [v](auto& s) { return s.verdict == v; }));
}

namespace {

// .iplt: lld's stubs for ifuncs bound inside the library (IRELATIVE), apart from .plt.
bool is_plt_section(const std::string& name) {
  return name == ".plt" || name == ".plt.sec" || name == ".plt.got" || name == ".iplt";
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

// The code sites one chunk of the sweep found, per exported symbol (sweep.hpp): chunks are
// counted on several threads at once, and a chunk's counts are dropped if it has to be swept again.
struct SiteCounts {
  std::size_t direct = 0, address = 0, got = 0, local_got = 0;
};

class Scan {
 public:
  Scan(const ElfInfo& info, Architecture& arch, LibraryReport& out)
      : info_(info), arch_(arch), out_(out) {}

  void run(const ScanOptions& options, Elf* elf) {
    collect_exports();
    collect_relocs();
    collect_plt_stubs();
    collect_code_sites(options);
    if (options.dwarf) apply_dwarf(elf, options.debug_dir);
    for (auto& s : out_.symbols) s.verdict = verdict_of(s);
  }

 private:
  // Aligned: the tallies sit side by side in a vector and are written by different threads.
  class alignas(64) Tally final : public RefSink {
   public:
    explicit Tally(const Scan& scan) : scan_(scan) {}
    void on_ref(const CodeRef& r) override {
      if (sites_.empty()) sites_.resize(scan_.out_.symbols.size());
      scan_.count(r, *this);
    }
    void clear() {
      sites_.clear();
      got_calls_ = 0;
    }
    void add_to(LibraryReport& out) const {
      out.facts.got_calls += got_calls_;
      for (std::size_t i = 0; i < sites_.size(); ++i) {
        SymbolReport& s = out.symbols[i];
        s.direct_sites += sites_[i].direct;
        s.address_sites += sites_[i].address;
        s.got_sites += sites_[i].got;
        s.local_got_sites += sites_[i].local_got;
      }
    }

   private:
    friend class Scan;
    const Scan& scan_;
    std::vector<SiteCounts> sites_;  // per exported symbol, allocated on the first reference
    std::size_t got_calls_ = 0;
  };

  class Tallies final : public ChunkSinks {
   public:
    Tallies(const Scan& scan, std::size_t n) {
      tallies_.reserve(n);
      while (n-- > 0) tallies_.emplace_back(scan);
    }
    RefSink& sink(std::size_t k) override { return tallies_[k]; }
    void discard(std::size_t k) override { tallies_[k].clear(); }
    void add_to(LibraryReport& out) const {
      for (auto& t : tallies_) t.add_to(out);
    }

   private:
    std::vector<Tally> tallies_;
  };

  // Every executable section's references but the PLT's, swept on options.threads threads.
  void collect_code_sites(const ScanOptions& options) {
    std::vector<CodeRange> ranges;
    std::size_t total = 0;
    for (auto& s : info_.sections)
      if (s.executable() && !is_plt_section(s.name)) {
        ranges.push_back({s.data, s.addr});
        total += s.data.size();
      }
    const unsigned threads = std::max(1u, options.threads);
    // A few chunks per thread, so that a thread slowed by the rest of the machine does not hold
    // up the others; none under kMinChunk, where starting threads costs more than it saves.
    constexpr std::size_t kMinChunk = 256 * 1024;
    const std::size_t chunk_bytes =
        threads == 1 ? 0 : std::max(kMinChunk, total / (std::size_t{4} * threads));
    const std::vector<std::uint64_t> entries = index_.function_entries();
    const std::vector<Chunk> chunks = plan_chunks(ranges, entries, chunk_bytes);
    Tallies tallies(*this, chunks.size());
    const std::uint16_t machine = info_.machine;
    const Decoder decoder = options.decoder;
    sweep_chunks(
        ranges, chunks, threads, [&] { return make_architecture(machine, decoder); }, tallies);
    tallies.add_to(out_);
  }

  // One reference of the library's code, counted for the symbols it reaches. Runs on the
  // sweep's threads: reads only tables that are complete before the sweep starts.
  void count(const CodeRef& r, Tally& t) const {
    switch (r.kind) {
      case RefKind::call:
      case RefKind::jump:
        if (auto it =
                r.target - stub_lo_ < stub_span_ ? stub_slot_.find(r.target) : stub_slot_.end();
            it != stub_slot_.end()) {
          through_slot(it->second, t);
        } else {
          index_.at(r.target, [&](int i) { ++t.sites_[i].direct; });
        }
        break;
      case RefKind::call_via_slot:
      case RefKind::jump_via_slot:
        if (auto it = slot_reloc_.find(r.target); it != slot_reloc_.end()) {
          RelocClass c = arch_.classify_reloc(it->second->type);
          if (c == RelocClass::jump_slot || c == RelocClass::glob_dat) ++t.got_calls_;
          through_slot(r.target, t);
        }
        break;
      case RefKind::address:
        if (slot_reloc_.count(r.target) != 0) {
          through_slot(r.target, t);  // a GOT load: `mov sym@GOTPCREL(%rip), %reg`
        } else {
          index_.at(r.target, [&](int i) { ++t.sites_[i].address; });
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
      r.version = s.version;
      r.version_hidden = s.version_hidden;
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
      if (c == RelocClass::jump_slot)
        ++s.jump_slot;
      else if (c == RelocClass::glob_dat)
        ++s.glob_dat;
      else
        ++s.absolute;
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
  void through_slot(std::uint64_t slot, Tally& t) const {
    auto it = slot_reloc_.find(slot);
    if (it == slot_reloc_.end()) return;
    const DynReloc& r = *it->second;
    RelocClass c = arch_.classify_reloc(r.type);
    if (c == RelocClass::relative || c == RelocClass::irelative) {
      index_.at(static_cast<std::uint64_t>(r.addend), [&](int i) { ++t.sites_[i].local_got; });
    } else if (int i = exported(r.sym); i >= 0) {
      ++t.sites_[i].got;
    }
  }

  void apply_dwarf(Elf* elf, const std::string& debug_dir) {
    InlineCounts inl = count_inlined_instances(elf);
    if (!inl.has_dwarf)
      if (std::optional<DebugFile> debug = open_debug_file(elf, debug_dir)) {
        inl = count_inlined_instances(debug->image.elf());
        if (inl.has_dwarf) out_.facts.debug_file = debug->path;
      }
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
    throw ScanError(fmt::format("unsupported machine {} (x86-64 and aarch64 only, see "
                                "docs/SCAN.md)",
                                machine_name(info.machine)));
  LibraryReport out;
  out.facts.machine = arch->name();
  out.facts.soname = info.soname;
  out.facts.dt_symbolic = info.dt_symbolic;
  out.facts.bind_now = info.bind_now;
  out.facts.bti = info.bti;
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
