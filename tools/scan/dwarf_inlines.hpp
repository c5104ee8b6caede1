// dwarf_inlines.hpp — the references a disassembler cannot see: inlined copies of a function.
//
// When a compiler inlines an exported function into a caller inside the library, no call is left
// for an override to take; DWARF records each copy as a DW_TAG_inlined_subroutine whose
// DW_AT_abstract_origin names the function. Read with libdw (elfutils) from the library's own
// debug sections or, for a stripped library, from its separate debug file found by build ID
// (DEBUG_DIR/.build-id/xx/rest.debug, where Debian's -dbgsym and Fedora's -debuginfo packages put
// them). .gnu_debuglink names are not followed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>

#include "elf_image.hpp"

namespace interprobe::scan {

struct InlineCounts {
  bool has_dwarf = false;  // the file has .debug_info that libdw could open
  std::unordered_map<std::string, std::size_t> by_name;  // inlined instances per function name
};

// Never throws: DWARF that libdw cannot read yields has_dwarf = false.
InlineCounts count_inlined_instances(Elf* elf);

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
