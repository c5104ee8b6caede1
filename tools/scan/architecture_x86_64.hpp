// architecture_x86_64.hpp — what the two x86-64 decoders (x86_64_zydis.cpp, x86_64_capstone.cpp)
// share: the relocation types, the PLT stub walk, and the branch forms recognised from an
// instruction's bytes. A decoder only has to split code into instructions and find the
// displacement of a RIP-relative memory operand; everything else is here, once, so that the two
// cannot differ in what they make of an instruction they agree on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "architecture.hpp"

namespace interprobe::scan::x86_64 {

// Reports the branch (or `op *disp32(%rip)`) that the `n` bytes at `b`, one whole instruction
// placed at `address`, encode, and returns true; returns false for any other instruction (whose
// RIP-relative operand, if any, the decoder must then find).
bool branch_ref(const std::uint8_t* b, std::size_t n, std::uint64_t address, RefSink& sink);

// The decoder-independent half of an x86-64 Architecture.
class Base : public Architecture {
 public:
  const char* name() const override { return "x86-64"; }
  void find_plt_stubs(std::span<const std::uint8_t> code, std::uint64_t address,
                      void (*on_stub)(void*, std::uint64_t, std::uint64_t), void* ctx) override;
  RelocClass classify_reloc(std::uint32_t type) const override;
};

std::unique_ptr<Architecture> make_zydis();
std::unique_ptr<Architecture> make_capstone();
std::unique_ptr<Architecture> make(Decoder decoder);  // capstone, or Zydis

// The RELATIVE type an SHT_RELR entry stands for, and the GNU property of the CET bits (IBT is
// reported through .plt.sec, so the scanner reads no bit of it).
constexpr std::uint32_t kRelativeReloc = 8;              // R_X86_64_RELATIVE
constexpr std::uint32_t kFeature1Property = 0xc0000002;  // GNU_PROPERTY_X86_FEATURE_1_AND

}  // namespace interprobe::scan::x86_64
