// check_static.cpp — the static half of `interprobe check`: the scanner (tools/scan,
// docs/SCAN.md) reads the library file and says, per symbol, how the library's own code reaches
// it: through the PLT/GOT (JUMP_SLOT / GLOB_DAT / absolute relocations, which an LD_PRELOAD
// override takes), or bound (direct calls to its address, PC-relative address uses, RELATIVE
// words, inlined copies recorded in DWARF, or relocations that DT_SYMBOLIC / protected visibility
// bind anyway). The scanner's verdict is the finding; satisfies() in check.cpp decides what it
// means for the expectation. The evidence line gives the counts the verdict was made from, so a
// failing package build log shows why without running the scanner again.
//
// Known blind spots (docs/SCAN.md, "Limitations"): a call inlined *and* constant-folded leaves no
// trace, not even in DWARF; a folded result (clang's ran_unused) looks interposable; a stripped
// library's DWARF is read only from a debug file found by build ID under /usr/lib/debug (the
// scanner's default ScanOptions: .gnu_debuglink is not followed). The finding therefore says what
// the files show, nothing more.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "check.hpp"
#include "elf_image.hpp"
#include "scanner.hpp"
#include "site_table.hpp"

namespace interprobe {

namespace {

// One symbol's references, summed over its .dynsym entries (a versioned library may export a
// name more than once, e.g. foo@V1 and foo@@V2; each entry has its own relocations).
scan::SymbolReport merged(const scan::LibraryReport& r, const std::string& name) {
  scan::SymbolReport m;
  m.name = name;
  std::size_t entries = 0;
  for (const scan::SymbolReport& s : r.symbols) {
    if (s.name != name) continue;
    if (entries++ == 0) {
      m = s;
      continue;
    }
    // The relocations are each entry's own; the sites are counted by caller, so the callers are
    // merged and the totals taken from them (below) by the scanner's own rule.
    m.jump_slot += s.jump_slot;
    m.glob_dat += s.glob_dat;
    m.absolute += s.absolute;
    m.callers.insert(m.callers.end(), s.callers.begin(), s.callers.end());
    if (m.inlined_self && s.inlined_self) *m.inlined_self += *s.inlined_self;
    m.preemptible_bound = m.preemptible_bound || s.preemptible_bound;
    if (s.visibility == "protected") m.visibility = "protected";
  }
  if (entries > 1) scan::total_sites(m, r.callers, m.inlined.has_value());
  // The scanner's rule, applied to the sums.
  m.verdict = scan::verdict_of(m.interposable_refs(), m.bound_refs());
  return m;
}

Found found_of(scan::SymVerdict v) {
  switch (v) {
    case scan::SymVerdict::interposable:
      return Found::interposable;
    case scan::SymVerdict::bound:
      return Found::bound;
    case scan::SymVerdict::mixed:
      return Found::mixed;
    case scan::SymVerdict::none:
      return Found::none;
  }
  return Found::none;
}

// "via PLT/GOT: 1 relocation (JUMP_SLOT 1), 3 call sites; bound: 2 direct call sites, 0 address
// uses, 1 inlined copy (DWARF); DT_SYMBOLIC no, visibility default"
std::string evidence(const scan::SymbolReport& s, const scan::LibraryFacts& f) {
  std::string preempt = fmt::format(
      "via PLT/GOT: {} relocation(s) (JUMP_SLOT {}, GLOB_DAT {}, absolute {}), {} code site(s)",
      s.preemptible_relocs(), s.jump_slot, s.glob_dat, s.absolute, s.got_sites);
  if (s.preemptible_bound && s.preemptible_relocs() > 0)
    preempt += f.dt_symbolic ? " — bound anyway by DT_SYMBOLIC" : " — bound anyway: protected";
  std::string inlined =
      s.inlined ? fmt::format("{} inlined copy(ies) (DWARF)", *s.inlined)
                : std::string(f.has_dwarf ? "inlined copies not counted"
                                          : "inlined copies unknown (no DWARF in the file)");
  // Calls of its clones (f.constprop.0) bypass it like direct calls; its own recursion and the
  // DWARF records of its own body are no callers and are not counted (docs/SCAN.md).
  std::string clones = s.clone_sites > 0 ? fmt::format(", {} clone call(s)", s.clone_sites) : "";
  const std::size_t own = s.self_sites + s.inlined_self.value_or(0);
  std::string self =
      own > 0 ? fmt::format(" ({} reference(s) from its own body not counted)", own) : "";
  return fmt::format(
      "{}; bound: {} direct call/jump site(s){}, {} other address use(s), {}{}; DT_SYMBOLIC {}, "
      "visibility {}",
      preempt, s.direct_sites, clones, s.address_sites + s.local_relocs + s.local_got_sites,
      inlined, self, f.dt_symbolic ? "yes" : "no", s.visibility);
}

}  // namespace

HalfResult check_static(const CheckRequest& req, const scan::ElfImage& image, std::string* error) {
  HalfResult r;
  scan::LibraryReport report;
  try {
    report = scan::scan_image(image, scan::ScanOptions{});
  } catch (const std::exception& e) {  // ScanError, or capstone/libdw trouble
    *error = fmt::format("library '{}': the static scan failed: {}", req.library, e.what());
    return r;
  }
  for (const std::string& s : req.symbols) {
    // run_check() made sure s is an exported function, which the scanner lists; if it did not,
    // the two readers disagree and nothing may pass.
    if (std::none_of(report.symbols.begin(), report.symbols.end(),
                     [&](const scan::SymbolReport& x) { return x.name == s; })) {
      *error =
          fmt::format("library '{}': the scanner does not list '{}' as exported", req.library, s);
      return r;
    }
    const scan::SymbolReport m = merged(report, s);
    SymbolFinding f;
    f.found = found_of(m.verdict);
    f.evidence = evidence(m, report.facts);
    // Nothing found: inlined everywhere, or never called. The library's other functions tell
    // which is likelier: one that binds none of its own function calls, and calls some through
    // the PLT, kept semantic interposition, under which GCC inlines an exported function only if
    // it is declared inline (gzerror in zlib: never called); one that binds some, or calls none
    // of its functions (tests/find-package's nosi build, whose only call was inlined; its data
    // still goes through the GOT), may have inlined this one too (victim_check_result in
    // gcc-O2-nosi: inlined and folded, without even a DWARF record). Functions only: data
    // references go through the GOT under -fno-semantic-interposition too. docs/SCAN.md,
    // Limitations.
    if (f.found == Found::none) {
      const scan::LibraryFacts& facts = report.facts;
      std::map<scan::SymVerdict, std::size_t> functions;
      for (const scan::SymbolReport& x : report.symbols)
        if (x.type != "object") ++functions[x.verdict];
      const std::size_t keeps = functions[scan::SymVerdict::interposable];
      const std::size_t binds = functions[scan::SymVerdict::bound] +
                                functions[scan::SymVerdict::mixed] + facts.localalias +
                                facts.protected_symbols + (facts.dt_symbolic ? 1 : 0);
      f.library_wide = fmt::format(
          "exported functions with internal calls: {} interposable, {} bound, {} mixed; "
          "DT_SYMBOLIC {}, .localalias {}, protected {}{}",
          keeps, functions[scan::SymVerdict::bound], functions[scan::SymVerdict::mixed],
          facts.dt_symbolic ? "yes" : "no", facts.localalias, facts.protected_symbols,
          m.inlined ? "; no inlined copy in DWARF" : "; no DWARF");
      f.cause = keeps > 0 && binds == 0 ? Cause::no_caller_seen : Cause::no_trace;
    }
    f.counts = {{"jump_slot", m.jump_slot},
                {"glob_dat", m.glob_dat},
                {"absolute", m.absolute},
                {"got_sites", m.got_sites},
                {"direct_sites", m.direct_sites},
                {"address_uses", m.address_sites + m.local_relocs + m.local_got_sites},
                {"inlined", m.inlined ? nlohmann::json(*m.inlined) : nlohmann::json(nullptr)},
                {"preemptible_bound", m.preemptible_bound},
                {"dt_symbolic", report.facts.dt_symbolic},
                {"visibility", m.visibility}};
    r.findings[s] = std::move(f);
  }
  r.checked = true;
  r.note =
      fmt::format("scanned {} ({} exported symbol(s){})", req.library, report.facts.exported,
                  report.facts.has_dwarf ? ", with DWARF" : ", no DWARF: inlined copies unseen");
  return r;
}

}  // namespace interprobe
