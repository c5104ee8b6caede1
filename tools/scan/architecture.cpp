// architecture.cpp — the one place that maps an ELF e_machine to its scanner backend: the
// instruction set (make_architecture) and the few ELF constants the neutral reader needs
// (machine_elf). A backend is a namespace with make(Decoder) and its constants
// (architecture_x86_64.hpp, architecture_aarch64.hpp); adding one is a case in each switch here
// (docs/SCAN.md, "Adding an architecture"), until these become one table of machines.
#include "architecture.hpp"

#include <elf.h>

#include "architecture_aarch64.hpp"
#include "architecture_x86_64.hpp"

namespace interprobe::scan {

const char* to_string(Decoder d) { return d == Decoder::capstone ? "capstone" : "zydis"; }

std::unique_ptr<Architecture> make_architecture(std::uint16_t e_machine, Decoder decoder) {
  switch (e_machine) {
    case EM_X86_64:
      return x86_64::make(decoder);
    case EM_AARCH64:
      return aarch64::make(decoder);
    default:
      return nullptr;
  }
}

MachineElf machine_elf(std::uint16_t e_machine) {
  switch (e_machine) {
    case EM_X86_64:
      return {x86_64::kRelativeReloc, x86_64::kFeature1Property, 0};
    case EM_AARCH64:
      return {aarch64::kRelativeReloc, aarch64::kFeature1Property, aarch64::kFeature1Bti};
    default:
      return {};
  }
}

}  // namespace interprobe::scan
