// arch.hpp — the shim generator's one table of architecture backends, keyed by ELF e_machine
// (the scanner's machines.hpp shape), and what a backend provides.
//
// The trampoline's common body lives in the prebuilt runtime (preload/shim/trampoline_<arch>.S,
// chosen in preload/shim/CMakeLists.txt); per symbol the generator emits, through the backend, a
// few instructions that load the symbol's index into a scratch register no calling convention
// uses for arguments and jump to that body. The tables of preload/shim/shim_abi.h are the same
// GNU as directives on every machine and are written here once (arch.cpp). The machine's name in
// plans and messages is the scanner's (scan::machine_name). ../ARCHITECTURES.md lists what a new
// backend provides (x86-64: x86_64/, aarch64: aarch64/).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "elf_symbols.hpp"

namespace interprobe::shim {

// What one architecture's generated assembly looks like (GNU as syntax).
class ArchTemplate {
 public:
  virtual ~ArchTemplate() = default;
  // One trampoline, exported under `symbol`: a landing pad for indirect branches (callers reach
  // it through the PLT/GOT), the index into the scratch register, a jump to interprobe_shim_entry.
  virtual std::string trampoline(std::string_view symbol, std::uint32_t index) const = 0;
  // The notes that end the file: a non-executable stack, and the GNU property that marks the
  // trampolines compatible with the machine's branch protection (CET's IBT and SHSTK, BTI).
  virtual std::string notes() const = 0;
  // Why a function of this machine cannot have a trampoline (its calling convention is not the
  // one the common body keeps), or "" if it can.
  virtual std::string unsupported(const DynSymbol& /*function*/) const { return ""; }
};

// A backend's entry in the table (arch.cpp lists them).
struct ShimBackend {
  std::uint16_t e_machine = 0;
  const ArchTemplate* arch = nullptr;
  // The machine's name in GNU triplets and CMAKE_SYSTEM_PROCESSOR ("aarch64"): a shim for a
  // library of another machine than the host's is linked by `<processor>-linux-gnu-gcc` (or $CC
  // when `$CC -dumpmachine` starts with `<processor>-`) with the runtime archive of the build
  // tree's cross build, <build>/<processor>/ (generator.cpp, cmake/InterprobeCross.cmake).
  const char* processor = "";
};

// The backend for an ELF e_machine, or nullptr if that architecture has none yet.
const ShimBackend* backend_for_machine(std::uint16_t e_machine);
// The machines with a backend, in the table's order.
std::vector<std::uint16_t> backend_machines();
// Its template, or nullptr.
const ArchTemplate* arch_for_machine(std::uint16_t e_machine);

// A .note.gnu.property section with one 4-byte property (NT_GNU_PROPERTY_TYPE_0): `type` is the
// machine's GNU_PROPERTY_*_FEATURE_1_AND, `features` its bits. For the templates' notes().
std::string gnu_property_note(std::uint32_t type, std::uint32_t features);

// The whole assembly after the trampolines: the tables of shim_abi.h and the ABI version marker
// (the same on every machine), then the backend's notes.
std::string tables(const ArchTemplate& arch, const std::vector<std::string>& symbols,
                   std::string_view library);

}  // namespace interprobe::shim
