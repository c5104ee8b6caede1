// machines.cpp — the table of scanner backends (machines.hpp) and what is looked up in it. A
// backend registers by adding its descriptor (x86_64::kMachine, in x86_64/backend.cpp) to
// kMachines; nothing else in the scanner changes (../ARCHITECTURES.md).
#include "machines.hpp"

#include <elf.h>
#include <fmt/format.h>
#include <link.h>

#include "aarch64/backend.hpp"
#include "x86_64/backend.hpp"

// The linker-defined symbol at this object's own ELF header (GNU ld, gold and lld define it when
// the headers are in a loaded segment, as in every executable and shared object): its e_machine is
// the machine this build runs on, without a list of compiler macros here.
extern "C" const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

namespace interprobe::scan {

namespace {

constexpr const Machine* kMachines[] = {&x86_64::kMachine, &aarch64::kMachine};

// Machines the scanner has no backend for, by name only, so that "unsupported machine riscv"
// says which one a file is for (elfutils' machines[] also names machines without a backend).
struct NameOnly {
  std::uint16_t e_machine;
  const char* name;
};
constexpr NameOnly kNamesOnly[] = {
    {EM_386, "i386"}, {EM_ARM, "arm"}, {EM_RISCV, "riscv"}, {EM_PPC64, "ppc64"}, {EM_S390, "s390"},
};

}  // namespace

const Machine* find_machine(std::uint16_t e_machine) {
  for (const Machine* m : kMachines)
    if (m->e_machine == e_machine) return m;
  return nullptr;
}

const Machine* find_machine(std::string_view name) {
  for (const Machine* m : kMachines)
    if (name == m->name) return m;
  return nullptr;
}

std::unique_ptr<Architecture> make_architecture(std::uint16_t e_machine, Decoder decoder) {
  const Machine* m = find_machine(e_machine);
  return m != nullptr ? m->make(decoder) : nullptr;
}

std::string supported_machines() {
  std::string out;
  const std::size_t n = std::size(kMachines);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out += i + 1 == n ? " and " : ", ";
    out += kMachines[i]->name;
  }
  return out;
}

std::string machine_name(std::uint16_t e_machine) {
  if (const Machine* m = find_machine(e_machine)) return m->name;
  for (const NameOnly& n : kNamesOnly)
    if (n.e_machine == e_machine) return n.name;
  return fmt::format("EM_{}", e_machine);
}

std::string decoder_name(std::uint16_t e_machine, Decoder d) {
  if (d == Decoder::capstone) return "capstone";
  const Machine* m = find_machine(e_machine);
  return m != nullptr ? m->standard_decoder : "standard";
}

std::uint16_t host_machine() { return __ehdr_start.e_machine; }

}  // namespace interprobe::scan
