// dwarf_inlines.hpp — the references a disassembler cannot see: inlined copies of a function.
//
// When a compiler inlines an exported function into a caller inside the library, no call is left
// for an override to take; DWARF records each copy as a DW_TAG_inlined_subroutine whose
// DW_AT_abstract_origin names the function, nested in the DW_TAG_subprogram of the function whose
// code holds it: the copy's caller. Read with libdw (elfutils) from the library's own debug
// sections or, for a stripped library, from its separate debug file found by build ID
// (DEBUG_DIR/.build-id/xx/rest.debug, where Debian's -dbgsym and Fedora's -debuginfo packages put
// them). .gnu_debuglink names are not followed.
//
// Some records of f are pieces of f's own body, not callers, and are counted apart (`self`):
// - inside f's own code (its DW_TAG_subprogram, which also covers f's .part/.cold pieces and
//   clones, whose DIEs name f as their abstract origin) or nested in another record of f: a
//   recursive call inlined into f, or f's split-off part inlined back (below);
// - GCC's function splitting (ipa-split) moves part of f into f.part.0, called from f's head at
//   f's own declaration line; when no caller may inline the head (f is interposable), the part
//   is inlined back into f, leaving a record of f whose call location is f's declaration
//   (CPython's PyTuple_New; tests/scan/fixtures/self_lib.c). Where IPA-ICF merged f.part.0 with
//   g's identical part, that record sits in g (PyLong_FromLong's in PyLong_FromSsize_t): a record
//   at its origin's declaration line is therefore such a part wherever it is.
// They run only once f (or g) itself was entered, which is what an override replaces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "callers.hpp"
#include "elf_image.hpp"

namespace interprobe::scan {

struct InlineCopy {
  int symbol = -1;           // the exported function copied (the caller's index)
  std::uint32_t caller = 0;  // CallerNames id of the function whose code holds it
  std::uint64_t entry = 0;   // DW_AT_entry_pc / low_pc / first range (0: the record has none)
  // The functions whose inlined copies hold this one (nested records), by CallerNames id: the
  // copy came with their code. PyCode_Addr2Line inlined into _PyInterpreterFrame_GetLine,
  // itself inlined into PyFrame_GetLineNumber (CPython built with LTO).
  std::vector<std::uint32_t> via;
};

struct InlineFacts {
  bool has_dwarf = false;                     // the file has .debug_info that libdw could open
  std::vector<InlineCopy> copies;             // records of exported functions in other functions
  std::unordered_map<int, std::size_t> self;  // per symbol: records inside its own code
  // Evidence of inlining that left no record (an inlined call folded away): per symbol, the
  // compile units whose DWARF marks it DW_AT_inline = DW_INL_inlined / DW_INL_declared_inlined
  // (GCC: "possibly inlined" in that unit); per caller id, the compile units holding its code.
  std::unordered_map<int, std::vector<std::uint32_t>> marked_inlined;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> caller_units;
  // Per caller id, the functions (any, static ones too) with an inlined copy in its code.
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> inlined_into;
};

// `exported(name)` gives the symbol index an exported function's name stands for, or -1.
// Caller names are interned into `names` (normalised like .symtab's, callers.hpp). A caller's
// compile units are those of its DWARF subprograms and, for each (caller id, address) of
// `entries` (the .symtab functions: some have code but no subprogram, e.g. CPython's
// _PyTime_GetPerfCounterWithInfo built with -fno-semantic-interposition), the unit whose
// address ranges hold the address (.debug_aranges).
// Never throws: DWARF that libdw cannot read yields has_dwarf = false.
InlineFacts read_inline_facts(Elf* elf, const std::function<int(std::string_view)>& exported,
                              CallerNames& names,
                              const std::vector<std::pair<std::uint32_t, std::uint64_t>>& entries);

// The separate debug file of `elf` under `debug_dir`: DEBUG_DIR/.build-id/<first byte in hex>/
// <the other bytes>.debug, if `elf` has a GNU build ID and that file exists, is ELF and has the
// same build ID (a stale debug file describes other code). Never throws.
struct DebugFile {
  std::string path;
  ElfImage image;
};
std::optional<DebugFile> open_debug_file(Elf* elf, const std::string& debug_dir);

// The build ID as lowercase hex, empty if the file has none.
std::string build_id_hex(Elf* elf);

}  // namespace interprobe::scan
