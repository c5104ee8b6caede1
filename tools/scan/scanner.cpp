// scanner.cpp — the per-library facts and per-symbol counts of scanner.hpp: the functions and
// objects that hold sites (callers.hpp), the exports and their local clones, relocations (which
// GOT slot belongs to which symbol), PLT stubs (which stub jumps through which slot), every
// executable section's references (on several threads when the caller gives them: sweep.hpp),
// DWARF's inlined copies, then the per-caller tables (site_table.hpp) and the verdicts.
#include "scanner.hpp"

#include <elf.h>
#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <optional>
#include <unordered_map>
#include <vector>

#include "architecture.hpp"
#include "callers.hpp"
#include "dwarf_inlines.hpp"
#include "elf_image.hpp"
#include "exported.hpp"
#include "machines.hpp"
#include "site_table.hpp"
#include "sweep.hpp"
#include "symbol_index.hpp"

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

SymVerdict verdict_of(std::size_t interposable_refs, std::size_t bound_refs) {
  if (interposable_refs > 0 && bound_refs > 0) return SymVerdict::mixed;
  if (interposable_refs > 0) return SymVerdict::interposable;
  if (bound_refs > 0) return SymVerdict::bound;
  return SymVerdict::none;
}

std::size_t SymbolReport::bound_refs() const {
  std::size_t n = direct_sites + clone_sites + address_sites + local_relocs + local_got_sites +
                  inlined.value_or(0);
  if (preemptible_bound) n += preemptible_relocs();
  return n;
}

std::size_t SymbolReport::bound_sites() const {
  std::size_t n = direct_sites + clone_sites + address_sites + local_relocs + local_got_sites +
                  inlined.value_or(0);
  if (preemptible_bound) n += got_sites + absolute;
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

// A code site one chunk of the sweep found (sweep.hpp): chunks are swept on several threads at
// once, and a chunk's sites are dropped if it has to be swept again.
struct Hit {
  std::uint64_t site;
  std::uint32_t symbol;
  SiteKind kind;
};

class Scan {
 public:
  Scan(const ElfInfo& info, Architecture& arch, LibraryReport& out)
      : info_(info), arch_(arch), out_(out) {}

  void run(const ScanOptions& options, Elf* elf) {
    std::optional<DebugFile> debug;
    if (options.dwarf && (!options.debug_dir.empty() || options.debug_files))
      // Needed when the file lacks .symtab (for callers) or DWARF (for inlined copies).
      if (!info_.has_symtab || !has_section(".debug_info"))
        if (std::optional<DebugFile> f =
                open_debug_file(elf, options.debug_dir, options.debug_files.get()))
          debug.emplace(std::move(*f));
    collect_holders(elf, debug ? debug->image.elf() : nullptr);
    collect_exports();
    collect_relocs();
    collect_plt_stubs();
    collect_code_sites(options);
    bool dwarf = false;
    if (options.dwarf) dwarf = apply_dwarf(elf, debug);
    out_.callers = names_.take();
    table_.finish(out_, out_.callers, dwarf);
    for (auto& s : out_.symbols) s.verdict = verdict_of(s.interposable_refs(), s.bound_refs());
  }

 private:
  // Aligned: the tallies sit side by side in a vector and are written by different threads.
  class alignas(64) Tally final : public RefSink {
   public:
    explicit Tally(const Scan& scan) : scan_(scan) {}
    void on_ref(const CodeRef& r) override { scan_.count(r, *this); }
    void clear() {
      hits_.clear();
      got_calls_ = 0;
    }
    // In address order (chunks come in address order): the caller lookup walks forward.
    void add_to(Scan& scan, std::size_t& cursor) const {
      scan.out_.facts.got_calls += got_calls_;
      for (const Hit& h : hits_)
        scan.table_.add(h.symbol, scan.functions_.at(h.site, cursor), h.kind);
    }

   private:
    friend class Scan;
    void hit(std::uint64_t site, int symbol, SiteKind kind) {
      hits_.push_back({site, static_cast<std::uint32_t>(symbol), kind});
    }
    const Scan& scan_;
    std::vector<Hit> hits_;
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
    void add_to(Scan& scan) const {
      std::size_t cursor = 0;
      for (auto& t : tallies_) t.add_to(scan, cursor);
    }

   private:
    std::vector<Tally> tallies_;
  };

  bool has_section(const char* name) const { return info_.section(name) != nullptr; }

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
    tallies.add_to(*this);
  }

  // One reference of the library's code, recorded for the symbols it reaches. Runs on the
  // sweep's threads: reads only tables that are complete before the sweep starts.
  void count(const CodeRef& r, Tally& t) const {
    switch (r.kind) {
      case RefKind::call:
      case RefKind::jump:
        if (auto it =
                r.target - stub_lo_ < stub_span_ ? stub_slot_.find(r.target) : stub_slot_.end();
            it != stub_slot_.end()) {
          through_slot(r.site, it->second, t);
        } else {
          index_.at(r.target, [&](int i) {
            if ((i & SymbolIndex::kClone) != 0)
              t.hit(r.site, i & ~SymbolIndex::kClone, SiteKind::clone);
            else
              t.hit(r.site, i, SiteKind::direct);
          });
        }
        break;
      case RefKind::call_via_slot:
      case RefKind::jump_via_slot:
        if (auto it = slot_reloc_.find(r.target); it != slot_reloc_.end()) {
          RelocClass c = arch_.classify_reloc(it->second->type);
          if (c == RelocClass::jump_slot || c == RelocClass::glob_dat) ++t.got_calls_;
          through_slot(r.site, r.target, t);
        }
        break;
      case RefKind::address:
        if (slot_reloc_.count(r.target) != 0) {
          through_slot(r.site, r.target, t);  // a GOT load: `mov sym@GOTPCREL(%rip), %reg`
        } else {
          index_.at(r.target, [&](int i) {
            if ((i & SymbolIndex::kClone) == 0) t.hit(r.site, i, SiteKind::address);
          });
        }
        break;
    }
  }

  // A code site that reaches whatever the GOT word at `slot` holds.
  void through_slot(std::uint64_t site, std::uint64_t slot, Tally& t) const {
    auto it = slot_reloc_.find(slot);
    if (it == slot_reloc_.end()) return;
    const DynReloc& r = *it->second;
    RelocClass c = arch_.classify_reloc(r.type);
    if (c == RelocClass::relative || c == RelocClass::irelative) {
      index_.at(static_cast<std::uint64_t>(r.addend), [&](int i) {
        if ((i & SymbolIndex::kClone) == 0) t.hit(site, i, SiteKind::local_got);
      });
    } else if (int i = exported(r.sym); i >= 0) {
      t.hit(site, i, SiteKind::got);
    }
  }

  // Who holds a site (callers.hpp).
  void collect_holders(Elf* elf, Elf* debug) {
    holders_ = holder_symbols(info_, elf, debug, out_.facts.callers_from);
    functions_.build(holders_, true, names_);
    objects_.build(holders_, false, names_);
  }

  void collect_exports() {
    sym_of_dyn_.assign(info_.dynsyms.size(), -1);
    for (std::size_t d = 0; d < info_.dynsyms.size(); ++d) {
      const DynSymbol& s = info_.dynsyms[d];
      if (s.shndx == SHN_UNDEF || s.shndx == SHN_ABS || s.shndx >= SHN_LORESERVE) continue;
      if (!binds_across_objects(s.bind, s.visibility)) continue;
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
      // One index per name for what knows names only (DWARF, clones): the default version.
      auto [it, fresh] = by_name_.try_emplace(s.name, idx);
      if (!fresh && out_.symbols[it->second].version_hidden && !s.version_hidden) it->second = idx;
      out_.symbols.push_back(std::move(r));
    }
    // Local clones of exported functions (f.constprop.0, f.isra.0, f.part.0, f.cold): calls to
    // them bypass the PLT like direct calls (-fno-semantic-interposition lets GCC clone f).
    for (const HolderSymbol& h : holders_) {
      if (!h.function || !is_callable_clone(h.name)) continue;
      const std::string_view base = base_function_name(h.name);
      if (auto it = by_name_.find(base); it != by_name_.end())
        if (out_.symbols[it->second].type != "object" &&
            h.value != out_.symbols[it->second].address)
          index_.add_clone(h.value, it->second);
    }
    index_.finish();
    out_.facts.exported = out_.symbols.size();
  }

  int exported(std::uint32_t dynidx) const {
    return dynidx < sym_of_dyn_.size() ? sym_of_dyn_[dynidx] : -1;
  }

  void collect_relocs() {
    // GOT slots are the words of .got/.got.plt: code that names one loads or jumps through it. A
    // relocated word elsewhere is data (a table of function pointers): code naming it uses the
    // table (`lea binary_ops(%rip)` in CPython's ceval), and the word itself is counted below.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> got;
    for (auto& s : info_.sections)
      if (s.name == ".got" || s.name == ".got.plt") got.emplace_back(s.addr, s.addr + s.size);
    auto in_got = [&](std::uint64_t a) {
      return std::any_of(got.begin(), got.end(),
                         [a](auto& g) { return g.first <= a && a < g.second; });
    };
    for (const DynReloc& r : info_.relocs) {
      RelocClass c = arch_.classify_reloc(r.type);
      if (c == RelocClass::other) continue;
      if (in_got(r.offset)) slot_reloc_.emplace(r.offset, &r);
      if (c == RelocClass::relative || c == RelocClass::irelative) {
        index_.at(static_cast<std::uint64_t>(r.addend), [&](int i) {
          if ((i & SymbolIndex::kClone) == 0)
            table_.add(static_cast<std::uint32_t>(i), objects_.at(r.offset), SiteKind::relative);
        });
        continue;
      }
      int i = exported(r.sym);
      if (i < 0) continue;
      SymbolReport& s = out_.symbols[i];
      if (c == RelocClass::jump_slot) {
        ++s.jump_slot;
      } else if (c == RelocClass::glob_dat) {
        ++s.glob_dat;
      } else {
        ++s.absolute;
        table_.add(static_cast<std::uint32_t>(i), objects_.at(r.offset), SiteKind::absolute);
      }
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

  // DWARF's inlined copies, from the file or its debug file; false if neither has DWARF.
  bool apply_dwarf(Elf* elf, const std::optional<DebugFile>& debug) {
    auto exported_name = [this](std::string_view name) {
      auto it = by_name_.find(name);
      return it == by_name_.end() ? -1 : it->second;
    };
    const auto entries = functions_.entries();
    InlineFacts inl = read_inline_facts(elf, exported_name, names_, entries);
    if (!inl.has_dwarf && debug) {
      inl = read_inline_facts(debug->image.elf(), exported_name, names_, entries);
      if (inl.has_dwarf) out_.facts.debug_file = debug->path;
    }
    out_.facts.has_dwarf = inl.has_dwarf;
    if (!inl.has_dwarf) return false;
    for (const InlineCopy& c : inl.copies) {
      table_.add(static_cast<std::uint32_t>(c.symbol), c.caller, SiteKind::inlined);
      for (std::uint32_t v : c.via)
        table_.add(static_cast<std::uint32_t>(c.symbol), v, SiteKind::inlined_via);
    }
    for (auto& s : out_.symbols) s.inlined_self = 0;
    for (auto& [i, n] : inl.self) out_.symbols[i].inlined_self = n;
    for (auto& [i, units] : inl.marked_inlined) out_.symbols[i].inlined_in_units = std::move(units);
    out_.caller_units.resize(names_.size());
    for (auto& [caller, units] : inl.caller_units) out_.caller_units[caller] = std::move(units);
    out_.inlined_into.resize(names_.size());
    for (auto& [caller, ids] : inl.inlined_into) out_.inlined_into[caller] = std::move(ids);
    return true;
  }

  const ElfInfo& info_;
  Architecture& arch_;
  LibraryReport& out_;
  std::vector<int> sym_of_dyn_;
  // Exported name -> its default version's index; looked up by string_view (no copy), for every
  // DWARF record.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int, NameHash, std::equal_to<>> by_name_;
  SymbolIndex index_;
  std::vector<HolderSymbol> holders_;
  CallerNames names_;
  HolderMap functions_, objects_;
  SiteTable table_;
  std::unordered_map<std::uint64_t, const DynReloc*> slot_reloc_;
  std::unordered_map<std::uint64_t, std::uint64_t> stub_slot_;  // PLT entry -> GOT slot
  std::uint64_t stub_lo_ = 0, stub_span_ = 0;  // [stub_lo_, stub_lo_ + stub_span_) holds them
};

}  // namespace

LibraryReport scan_image(const ElfImage& image, const ScanOptions& options) {
  ElfInfo info = read_elf(image);
  const Machine* machine = find_machine(info.machine);
  if (machine == nullptr)
    throw ScanError(fmt::format("unsupported machine {} ({} only, see docs/SCAN.md)",
                                machine_name(info.machine), supported_machines()));
  auto arch = machine->make(options.decoder);
  LibraryReport out;
  out.facts.machine = machine->name;
  out.facts.soname = info.soname;
  out.facts.build_id = build_id_hex(image.elf());
  out.facts.dt_symbolic = info.dt_symbolic;
  out.facts.bind_now = info.bind_now;
  out.facts.bti = info.bti;
  out.facts.has_symtab = info.has_symtab;
  out.facts.localalias = info.localalias_count;
  out.facts.compilers = info.comments;
  Scan(info, *arch, out).run(options, image.elf());
  return out;
}

}  // namespace interprobe::scan
