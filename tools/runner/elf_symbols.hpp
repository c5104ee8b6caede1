// elf_symbols.hpp — the dynamic symbol table of a shared library, read with libelf (elfutils).
//
// `interprobe check` needs to know, before running anything, that the library exists, is a shared
// object, and defines and exports each named symbol: a misspelt symbol would otherwise be
// "bound" (no call counted) and pass by accident. Only what that needs is read here; the full
// static analysis of call sites is `interprobe scan`'s job.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace interprobe {

struct DynamicSymbol {
  bool defined = false;  // has a section index (not SHN_UNDEF): the library defines it
  bool weak = false;
  bool function = false;         // STT_FUNC or STT_GNU_IFUNC
  unsigned char visibility = 0;  // STV_* (STV_DEFAULT = 0, STV_PROTECTED = 3)
};

struct DynamicSymbols {
  std::string soname;       // DT_SONAME, empty if none
  bool executable = false;  // a PIE executable (ET_DYN too, but DF_1_PIE or PT_INTERP)
  // Global and weak entries of .dynsym by name (local ones are not visible to the loader).
  std::map<std::string, DynamicSymbol> symbols;
};

// nullopt and a one-line reason in `error` if `path` cannot be read or is not an ELF shared
// object with a dynamic symbol table.
std::optional<DynamicSymbols> read_dynamic_symbols(const std::string& path, std::string* error);

}  // namespace interprobe
