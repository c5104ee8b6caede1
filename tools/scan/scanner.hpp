// scanner.hpp — which exported symbols of a shared library its own code can still have overridden
// (LD_PRELOAD), read from the ELF file alone.
//
// Per exported symbol: the library's preemptible references (JUMP_SLOT / GLOB_DAT / absolute
// relocations against it, and the code sites that go through those PLT stubs and GOT slots) and
// its bound references (direct call/jmp to its address, PC-relative address uses, RELATIVE /
// IRELATIVE words holding its address, inlined copies found in DWARF). DT_SYMBOLIC and protected
// visibility turn preemptible-looking relocations into bound ones. docs/SCAN.md defines the
// verdicts and the JSON format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "architecture.hpp"

namespace interprobe::scan {

enum class SymVerdict { interposable, bound, mixed, none };
std::string to_string(SymVerdict v);  // "interposable", "bound", "mixed", "none"
std::string describe(SymVerdict v);   // "interposable internally", ..., "no internal references"

struct SymbolReport {
  std::string name;
  std::string version;          // GNU symbol version ("GLIBC_2.14"), empty if unversioned
  bool version_hidden = false;  // a non-default version: name@version, not name@@version
  std::string type;        // "func", "object", "ifunc"
  std::string binding;     // "global", "weak", "unique"
  std::string visibility;  // "default", "protected"
  std::uint64_t address = 0, size = 0;
  // Preemptible references, as the relocations say (before DT_SYMBOLIC / protected are applied).
  std::size_t jump_slot = 0, glob_dat = 0, absolute = 0;
  std::size_t got_sites = 0;  // code sites reaching it through those PLT stubs / GOT slots
  // Bound references.
  std::size_t direct_sites = 0;   // call/jmp to its address
  std::size_t address_sites = 0;  // other PC-relative operands naming it (lea, mov)
  std::size_t local_relocs = 0;   // RELATIVE/IRELATIVE words holding its address
  std::size_t local_got_sites = 0;  // code sites through a GOT slot bound to its address
  std::optional<std::size_t> inlined;  // DWARF inlined instances; nullopt without DWARF
  bool preemptible_bound = false;  // the relocations above are bound anyway (symbolic/protected)
  SymVerdict verdict = SymVerdict::none;

  std::size_t preemptible_relocs() const { return jump_slot + glob_dat + absolute; }
  // What the verdict weighs: references an override takes, and references it cannot take.
  std::size_t interposable_refs() const { return preemptible_bound ? 0 : preemptible_relocs(); }
  std::size_t bound_refs() const;
};

struct LibraryFacts {
  std::string machine, soname;
  bool dt_symbolic = false, bind_now = false;
  bool plt = false, plt_sec = false, plt_got = false;  // which PLT sections exist
  bool bti = false;  // aarch64: the GNU property note marks the code BTI-compatible
  std::size_t got_calls = 0;   // `call/jmp *slot(%rip)` outside the PLT: -fno-plt style
  bool has_symtab = false, has_dwarf = false;
  std::string debug_file;  // the separate debug file DWARF was read from; empty: the file's own
  std::size_t localalias = 0;  // GCC -fno-semantic-interposition evidence
  std::size_t protected_symbols = 0;
  std::vector<std::string> compilers;  // .comment strings
  std::size_t exported = 0;
};

struct LibraryReport {
  std::string path;
  LibraryFacts facts;
  std::vector<SymbolReport> symbols;  // in .dynsym order
  std::string error;                  // non-empty: the file could not be scanned (one line)
  std::size_t count(SymVerdict v) const;
};

struct ScanOptions {
  bool dwarf = true;  // count inlined instances when the file has DWARF
  // Where a stripped file's debug file is looked up by build ID (dwarf_inlines.hpp); empty: never.
  std::string debug_dir = "/usr/lib/debug";
  Decoder decoder = Decoder::zydis;  // both find the same references; Zydis is faster
  // Threads for one file's code (sweep.hpp); the result does not depend on it.
  unsigned threads = 1;
};

class ElfImage;
// Scans one image; throws ScanError (one-line reason) for bad input.
LibraryReport scan_image(const ElfImage& image, const ScanOptions& options);
// Scans one file; never throws: errors go to LibraryReport::error.
LibraryReport scan_file(const std::string& path, const ScanOptions& options);
// The fuzzing entry point: bytes in memory, errors to LibraryReport::error.
LibraryReport scan_bytes(std::span<const std::uint8_t> bytes, const ScanOptions& options);

}  // namespace interprobe::scan
