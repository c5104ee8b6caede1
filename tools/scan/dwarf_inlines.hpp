// dwarf_inlines.hpp — the references a disassembler cannot see: inlined copies of a function.
//
// When a compiler inlines an exported function into a caller inside the library, no call is left
// for an override to take; DWARF records each copy as a DW_TAG_inlined_subroutine whose
// DW_AT_abstract_origin names the function. Read with libdw (elfutils) from the library's own
// debug sections; separate debug files (/usr/lib/debug, .gnu_debuglink) are not looked up.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>

struct Elf;

namespace interprobe::scan {

struct InlineCounts {
  bool has_dwarf = false;  // the file has .debug_info that libdw could open
  std::unordered_map<std::string, std::size_t> by_name;  // inlined instances per function name
};

// Never throws: DWARF that libdw cannot read yields has_dwarf = false.
InlineCounts count_inlined_instances(Elf* elf);

}  // namespace interprobe::scan
