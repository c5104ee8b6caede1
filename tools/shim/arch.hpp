// arch.hpp — what the generator needs to know about one target architecture.
//
// The trampoline's common body lives in the prebuilt runtime (preload/shim/trampoline_<arch>.S);
// per symbol the generator emits a few instructions that load the symbol's index into a scratch
// register no calling convention uses for arguments and jump to that body, plus the tables of
// preload/shim/shim_abi.h. x86-64 is implemented; aarch64 is the next one: it needs
// trampoline_aarch64.S (save x0-x7, x8 = indirect result, q0-q7; index in x17 = IP1, jump with
// `br x16`, `bti c` at each entry) and an ArchTemplate in arch_aarch64.cpp that emits
// `bti c; mov w17, #INDEX; b interprobe_shim_entry`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace interprobe::shim {

class ArchTemplate {
 public:
  virtual ~ArchTemplate() = default;
  virtual std::string_view name() const = 0;
  // Assembly (GNU as syntax) for one trampoline, exported under `symbol`.
  virtual std::string trampoline(std::string_view symbol, std::uint32_t index) const = 0;
  // Assembly for the tables of shim_abi.h and the ABI version marker.
  virtual std::string tables(const std::vector<std::string>& symbols,
                             std::string_view library) const = 0;
};

// The template for an ELF e_machine, or nullptr if that architecture has none yet. The machine's
// name and the host's are the scanner's (scan::machine_name, scan::host_machine).
const ArchTemplate* arch_for_machine(std::uint16_t e_machine);

}  // namespace interprobe::shim
