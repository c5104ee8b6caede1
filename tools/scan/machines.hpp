// machines.hpp — the scanner's one table of architecture backends, keyed by ELF e_machine
// (elfutils' libebl `machines[]` shape): each backend describes itself in one Machine (its
// e_machine, printable name, decoders and the few ELF constants the neutral reader needs), and
// machines.cpp lists those descriptors. Neutral code (elf_image, scanner, scan_render, the shim
// generator, the runner) asks this table and names no machine's constants; ../ARCHITECTURES.md
// lists what a new backend provides and where it is registered.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "architecture.hpp"

namespace interprobe::scan {

// Which fact the text report shows for the machine's branch-target landing pads.
enum class LandingPads : std::uint8_t {
  plt_sec,       // x86-64 IBT: the linker's .plt.sec stubs (`IBT .plt.sec yes|no`)
  property_bit,  // a GNU property bit, Machine::bti_bit (`BTI yes|no`)
};

struct Machine {
  std::uint16_t e_machine = 0;
  const char* name = "";              // printable, in reports and messages: "x86-64", "aarch64"
  const char* standard_decoder = "";  // what Decoder::standard is here, for messages: "zydis"
  std::unique_ptr<Architecture> (*make)(Decoder) = nullptr;
  std::uint32_t relative_reloc = 0;      // the RELATIVE type an SHT_RELR entry stands for
  std::uint32_t feature_1_property = 0;  // the GNU_PROPERTY_*_FEATURE_1_AND property type
  std::uint32_t bti_bit = 0;  // its branch-target bit that ElfInfo::bti reports (0: none)
  LandingPads landing_pads = LandingPads::plt_sec;
};

// The backend for ELF e_machine, or by its printable name (a saved scan's "machine"); nullptr
// if the scanner has none.
const Machine* find_machine(std::uint16_t e_machine);
const Machine* find_machine(std::string_view name);

// The implementation for ELF e_machine, or nullptr if the scanner does not support it.
std::unique_ptr<Architecture> make_architecture(std::uint16_t e_machine,
                                                Decoder decoder = Decoder::standard);

// The supported machines' names for messages: "x86-64 and aarch64".
std::string supported_machines();

// A printable name for e_machine: a backend's name, or that of a machine the scanner knows only
// by name ("riscv"), or "EM_<number>".
std::string machine_name(std::uint16_t e_machine);

// "zydis"/"capstone" for x86-64, "built-in"/"capstone" for aarch64: the decoder `d` is on
// `machine`, for messages.
std::string decoder_name(std::uint16_t e_machine, Decoder d);

// The e_machine this build of interprobe runs on (and made libprobe.so and the shim runtime
// for); 0 (EM_NONE) if this build's own ELF header cannot be read.
std::uint16_t host_machine();

}  // namespace interprobe::scan
