// x86_64/backend.hpp — the x86-64 scanner backend: what its two decoders (zydis.cpp, capstone.cpp)
// share: the relocation types, the PLT stub walk, and the branch forms recognised from an
// instruction's bytes. A decoder only has to split code into instructions and find the
// displacement of a RIP-relative memory operand; everything else is here, once, so that the two
// cannot differ in what they make of an instruction they agree on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "architecture.hpp"
#include "machines.hpp"

namespace interprobe::scan::x86_64 {

// Reports the branch (or `op *disp32(%rip)`) that the `n` bytes at `b`, one whole instruction
// placed at `address`, encode, and returns true; returns false for any other instruction (whose
// RIP-relative operand, if any, the decoder must then find).
bool branch_ref(const std::uint8_t* b, std::size_t n, std::uint64_t address, RefSink& sink);

// The decoder-independent half of an x86-64 Architecture.
class Base : public Architecture {
 public:
  void find_plt_stubs(std::span<const std::uint8_t> code, std::uint64_t address,
                      void (*on_stub)(void*, std::uint64_t, std::uint64_t), void* ctx) override;
  RelocClass classify_reloc(std::uint32_t type) const override;
};

std::unique_ptr<Architecture> make_zydis();
std::unique_ptr<Architecture> make_capstone();
std::unique_ptr<Architecture> make(Decoder decoder);  // capstone, or Zydis

// This backend's entry in the machine table (machines.cpp): EM_X86_64, R_X86_64_RELATIVE for
// SHT_RELR, and GNU_PROPERTY_X86_FEATURE_1_AND (IBT is reported through .plt.sec, so the scanner
// reads no bit of it).
extern const Machine kMachine;

}  // namespace interprobe::scan::x86_64
