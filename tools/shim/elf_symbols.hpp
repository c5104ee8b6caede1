// elf_symbols.hpp — what the shim generator reads from ELF files: a library's dynamic symbol
// table (through the scanner's reader, tools/scan/elf_image.hpp, so that `interprobe shim`,
// `scan` and `check` accept and reject the same files with the same reasons) and the undefined
// symbols of the shim runtime archive.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace interprobe::shim {

// A problem with the input (file missing, not ELF, ...): the CLI reports what() and exits 2.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct DynSymbol {
  std::string name;
  unsigned type = 0;        // STT_*
  unsigned binding = 0;     // STB_*
  unsigned visibility = 0;  // STV_*
  std::uint16_t section = 0;  // SHN_UNDEF for an undefined reference, SHN_ABS, ...
  std::uint8_t other = 0;     // st_other above the visibility: machine-specific (ArchTemplate)
};

struct ElfSymbols {
  std::uint16_t machine = 0;  // EM_*
  bool is_64 = false;
  std::vector<DynSymbol> symbols;  // .dynsym in file order, index 0 (the null symbol) left out
};

// Throws InputError naming `path` if it cannot be read or is not a 64-bit ELF shared object.
ElfSymbols read_dynamic_symbols(const std::string& path);

// Names of the undefined symbols of every object in the `ar` archive at `path` (the shim
// runtime: the functions it calls itself).
std::vector<std::string> archive_undefined_symbols(const std::string& path);

// The ELF e_machine of the first object in the `ar` archive at `path` (the shim runtime is one
// pre-linked object). Throws InputError if it cannot be read.
std::uint16_t archive_machine(const std::string& path);

}  // namespace interprobe::shim
