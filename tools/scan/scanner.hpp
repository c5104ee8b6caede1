// scanner.hpp — which exported symbols of a shared library its own code can still have overridden
// (LD_PRELOAD), read from the ELF file alone.
//
// Per exported symbol: the library's preemptible references (JUMP_SLOT / GLOB_DAT / absolute
// relocations against it, and the code sites that go through those PLT stubs and GOT slots) and
// its bound references (direct call/jmp to its address, PC-relative address uses, RELATIVE /
// IRELATIVE words holding its address, calls of its local clones, inlined copies found in DWARF).
// DT_SYMBOLIC and protected visibility turn preemptible-looking relocations into bound ones.
// Every site is also recorded with its caller (callers.hpp): the function whose code holds it, or
// the data object holding a relocated word, so that `diff` can compare two builds caller by
// caller. docs/SCAN.md defines the verdicts and the JSON format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "architecture.hpp"

namespace interprobe::scan {

struct DebugFiles;  // package.hpp

enum class SymVerdict { interposable, bound, mixed, none };
std::string to_string(SymVerdict v);  // "interposable", "bound", "mixed", "none"
std::string describe(SymVerdict v);   // "interposable internally", ..., "no internal references"
// The one rule: references an override takes and references it cannot take, both, one or none.
SymVerdict verdict_of(std::size_t interposable_refs, std::size_t bound_refs);

// One caller's references to one exported symbol, by kind (the SymbolReport fields of the same
// names, restricted to this caller).
struct CallerSites {
  std::uint32_t caller = 0;   // index into LibraryReport::callers; 0: unknown (no symbol holds it)
  std::uint32_t got = 0;      // code sites through its PLT stub / GOT slot (got_sites)
  std::uint32_t direct = 0;   // call/jmp to its address (direct_sites)
  std::uint32_t clone = 0;    // call/jmp to a local clone of it (clone_sites)
  std::uint32_t address = 0;  // other PC-relative operands naming it (address_sites)
  std::uint32_t local_got = 0;  // code sites through a GOT slot bound to it (local_got_sites)
  std::uint32_t inlined = 0;    // DWARF inlined copies (inlined)
  std::uint32_t absolute = 0;   // words of this data object relocated against it (absolute)
  std::uint32_t relative = 0;   // RELATIVE/IRELATIVE words of this object holding it (local_relocs)
  // Not sites: inlined copies of it (counted at the functions holding them) that sit inside an
  // inlined copy of this caller, whose code brought them there (dwarf_inlines.hpp InlineCopy::via).
  std::uint32_t inlined_via = 0;
};

struct SymbolReport {
  std::string name;
  std::string version;          // GNU symbol version ("GLIBC_2.14"), empty if unversioned
  bool version_hidden = false;  // a non-default version: name@version, not name@@version
  std::string type;             // "func", "object", "ifunc"
  std::string binding;          // "global", "weak", "unique"
  std::string visibility;       // "default", "protected"
  std::uint64_t address = 0, size = 0;
  // Preemptible references, as the relocations say (before DT_SYMBOLIC / protected are applied).
  std::size_t jump_slot = 0, glob_dat = 0, absolute = 0;
  std::size_t got_sites = 0;  // code sites reaching it through those PLT stubs / GOT slots
  // Bound references. All site counts are of *other* functions' code: see self_sites.
  std::size_t direct_sites = 0;   // call/jmp to its address
  std::size_t clone_sites = 0;    // call/jmp to a local clone (f.constprop.0, f.isra.0, f.part.0)
                                  // from other functions (.symtab; f's own pieces are not counted)
  std::size_t address_sites = 0;  // other PC-relative operands naming it (lea, mov)
  std::size_t local_relocs = 0;   // RELATIVE/IRELATIVE words holding its address
  std::size_t local_got_sites = 0;  // code sites through a GOT slot bound to its address
  // DWARF inlined copies in other functions; nullopt without DWARF. Records that are pieces of
  // its own body (function splitting, recursion: dwarf_inlines.hpp) are not callers: inlined_self.
  std::optional<std::size_t> inlined, inlined_self;
  // Code sites in its own body that reach it (recursion; GCC binds a recursive call directly even
  // under semantic interposition): not callers elsewhere, so in none of the totals above.
  std::size_t self_sites = 0;
  bool preemptible_bound = false;  // the relocations above are bound anyway (symbolic/protected)
  SymVerdict verdict = SymVerdict::none;
  std::vector<CallerSites> callers;  // every site above by caller, sorted by caller name
  // DWARF's compile units that mark it inlined (DW_AT_inline), for diff's evidence of inlined
  // calls that were folded away (LibraryReport::caller_units).
  std::vector<std::uint32_t> inlined_in_units;

  std::size_t preemptible_relocs() const { return jump_slot + glob_dat + absolute; }
  // What the verdict weighs: references an override takes, and references it cannot take.
  std::size_t interposable_refs() const { return preemptible_bound ? 0 : preemptible_relocs(); }
  std::size_t bound_refs() const;
  // The same, counted in sites (code sites and relocated data words, no GOT/PLT slots): what
  // diff compares. An absolute word is one an override takes (it holds the override's address).
  std::size_t interposable_sites() const { return preemptible_bound ? 0 : got_sites + absolute; }
  std::size_t bound_sites() const;
};

struct LibraryFacts {
  std::string machine, soname;
  std::string build_id;  // GNU build ID, lowercase hex; empty if the file has none
  bool dt_symbolic = false, bind_now = false;
  bool plt = false, plt_sec = false, plt_got = false;  // which PLT sections exist
  bool bti = false;  // aarch64: the GNU property note marks the code BTI-compatible
  std::size_t got_calls = 0;  // `call/jmp *slot(%rip)` outside the PLT: -fno-plt style
  bool has_symtab = false, has_dwarf = false;
  // Where callers are named from: "symtab" (the file's .symtab), "debug-symtab" (its debug
  // file's), "dynsym" (exported functions only: other code is the unknown caller).
  std::string callers_from;
  std::string debug_file;      // the separate debug file DWARF was read from; empty: the file's own
  std::size_t localalias = 0;  // GCC -fno-semantic-interposition evidence
  std::size_t protected_symbols = 0;
  std::vector<std::string> compilers;  // .comment strings
  std::size_t exported = 0;
};

struct LibraryReport {
  std::string path;    // as shown: `file`, or `file:member` for a library inside a package
  std::string file;    // the file named (a library, or the package holding it)
  std::string member;  // its installed path inside the package ("/usr/lib/..."); empty if none
  LibraryFacts facts;
  std::vector<SymbolReport> symbols;  // in .dynsym order
  // Caller names (callers.hpp: clone suffixes cut), [0] = "" for the unknown caller; and, with
  // DWARF, the compile units holding each one's code (indexed like callers).
  std::vector<std::string> callers;
  std::vector<std::vector<std::uint32_t>> caller_units;
  // With DWARF, per caller, the functions with an inlined copy in its code (caller ids, sorted).
  std::vector<std::vector<std::uint32_t>> inlined_into;
  std::string error;  // non-empty: the file could not be scanned (one line)
  std::size_t count(SymVerdict v) const;
};

struct ScanOptions {
  bool dwarf = true;  // count inlined instances when the file has DWARF
  // Where a stripped file's debug file is looked up by build ID (dwarf_inlines.hpp); empty: never.
  std::string debug_dir = "/usr/lib/debug";
  Decoder decoder = Decoder::standard;  // both find the same references; Zydis is faster
  // Threads for one file's code (sweep.hpp); the result does not depend on it.
  unsigned threads = 1;
  // Debug files read from debug packages (package.hpp), looked up by build ID before debug_dir.
  std::shared_ptr<const DebugFiles> debug_files;
  // A PIE executable is an error (kExecutableNotLibrary, elf_image.hpp) instead of being read.
  bool refuse_pie = false;
};

class ElfImage;
// Scans one image; throws ScanError (one-line reason) for bad input.
LibraryReport scan_image(const ElfImage& image, const ScanOptions& options);
// Scans one file; never throws: errors go to LibraryReport::error.
LibraryReport scan_file(const std::string& path, const ScanOptions& options);
// The fuzzing entry point: bytes in memory, errors to LibraryReport::error. `path` names them in
// the report (a package member: "pkg.deb:/usr/lib/libfoo.so.1").
LibraryReport scan_bytes(std::span<const std::uint8_t> bytes, const ScanOptions& options,
                         const std::string& path = "<memory>");

}  // namespace interprobe::scan
