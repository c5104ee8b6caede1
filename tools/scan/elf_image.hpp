// elf_image.hpp — one ELF file in memory, read through libelf (elfutils) into plain structs.
//
// The scanner never walks ELF bytes itself: libelf checks every header and section against the
// file size (a section past the end is an error, not a read out of bounds). What this file adds is
// a one-line reason for each thing that can be wrong with an input (ScanError), and copies of the
// few tables the scanner needs (sections, dynamic symbols, dynamic relocations, .dynamic flags),
// so the rest of the scanner works on vectors and spans, not on libelf handles.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "machines.hpp"  // machine_name, host_machine: what every reader of a file reports

struct Elf;  // libelf's handle; only elf_image.cpp and dwarf_inlines.cpp include <libelf.h>

namespace interprobe::scan {

// What is wrong with an input file, in one line (the caller prefixes the file name).
struct ScanError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The bytes of one file (mmap'd, or a private copy) and libelf's handle on them.
class ElfImage {
 public:
  static ElfImage open_file(const std::string& path);  // throws ScanError
  static ElfImage from_bytes(std::span<const std::uint8_t> bytes);
  ElfImage(ElfImage&& other) noexcept;
  ElfImage& operator=(ElfImage&&) = delete;
  ~ElfImage();

  Elf* elf() const { return elf_; }
  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }

 private:
  ElfImage() = default;
  void begin();  // elf_memory over data_/size_; throws ScanError
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::vector<std::uint8_t> owned_;
  Elf* elf_ = nullptr;
};

struct Section {
  std::string name;
  std::uint32_t type = 0;
  std::uint64_t flags = 0, addr = 0, size = 0;
  std::span<const std::uint8_t> data;  // empty for SHT_NOBITS; bounds checked by libelf
  bool executable() const;
};

struct DynSymbol {
  std::string name;
  std::uint64_t value = 0, size = 0;
  std::uint8_t type = 0, bind = 0, visibility = 0;
  std::uint16_t shndx = 0;
  // GNU symbol version this file defines the symbol with ("GLIBC_2.14"), empty if unversioned;
  // hidden: a non-default version (`memcpy@GLIBC_2.2.5`, for old binaries only), else `@@`.
  std::string version;
  bool version_hidden = false;
  // st_other's machine-specific bits above the visibility (aarch64: STO_AARCH64_VARIANT_PCS).
  std::uint8_t other = 0;
};

struct DynReloc {
  std::uint64_t offset = 0;  // where the linker writes (a GOT slot, a data word)
  std::uint32_t type = 0;    // machine specific (R_X86_64_*, R_AARCH64_*)
  std::uint32_t sym = 0;     // index in dynsyms (0: none)
  std::int64_t addend = 0;
};

struct ElfInfo {
  std::uint16_t machine = 0;
  std::vector<Section> sections;
  std::vector<DynSymbol> dynsyms;
  std::vector<DynReloc> relocs;  // SHT_RELA and SHT_RELR sections (RELR as RELATIVE, addend read)
  std::string soname;
  bool dt_symbolic = false;  // DT_SYMBOLIC or DF_SYMBOLIC
  bool bind_now = false;     // DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW
  // A PIE executable is ET_DYN too: DF_1_PIE, or (older linkers) PT_INTERP and no DT_SONAME
  // (libc.so.6 has an interpreter, to be runnable, but also a SONAME).
  bool pie = false;
  bool has_symtab = false;
  // .note.gnu.property marks the code branch-target compatible (aarch64 BTI: `bti` landing pads
  // at indirect-branch targets; Machine::bti_bit).
  bool bti = false;
  std::size_t localalias_count = 0;  // .symtab names ending in ".localalias" (GCC nosi)
  std::vector<std::string> comments;  // .comment strings (compiler identification)
  const Section* section(const std::string& name) const;
};

// Checks class (ELFCLASS64), byte order (little-endian), type (ET_DYN) and tables; throws
// ScanError with the reason.
ElfInfo read_elf(const ElfImage& image);

// A PIE executable is ET_DYN like a shared library: DF_1_PIE in DT_FLAGS_1, or (older linkers)
// PT_INTERP and no DT_SONAME (libc.so.6 has an interpreter, to be runnable, but also a SONAME).
// Reads only the ELF header, the program headers and the dynamic segment. ElfInfo::pie.
bool is_pie_executable(const ElfImage& image);
// The same for a file; false for one that cannot be read as ELF (scan_file then says why).
bool is_pie_executable_file(const std::string& path);

// What interprobe reads as a shared library, the one rule `scan`, `diff`, `shim`, `run
// --shim-for`, `check` and a `--probe` share: what read_elf accepts, and not a PIE executable.
// An executable's own definitions come first in the dynamic linker's lookup order, before any
// LD_PRELOAD library, so nothing a preload defines can override them: scanning one as a library
// would call references "interposable" that no preload can take (docs/SCAN.md, --allow-pie).
inline constexpr const char* kExecutableNotLibrary = "is an executable (PIE), not a shared library";
// Throws ScanError(kExecutableNotLibrary) for a PIE.
void require_shared_library(const ElfImage& image);

// The bytes start with the ELF magic (7f 'E' 'L' 'F'): what a directory walk, a package member
// and input_kind take for an ELF file before libelf reads it.
bool has_elf_magic(std::span<const std::uint8_t> bytes);

}  // namespace interprobe::scan
