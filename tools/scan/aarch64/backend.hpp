// aarch64/backend.hpp — the aarch64 instruction set for the scanner, and what its two
// decoders share. A decoder turns one 4-byte word into an Insn: which of the few forms that name an
// address it is (branches, `adrp`, `adr`, `add #imm`, `ldr`/`str [xN, #imm]`, `ldr` literal,
// `br`/`blr`) with its fields, and which general registers it writes. Everything else — pairing
// each `adrp` with the `add`/`ldr`/`str` that completes its address, PLT stubs, relocation types —
// is Base's, once, so that the two decoders cannot differ in what they make of an instruction they
// agree on (tests/scan/scan_aarch64_test.cpp requires the same references from both).
//
// Decoders: a64 (aarch64/backend.cpp, the default: the fields read from the bits, Arm ARM
// DDI 0487 section C4, "A64 instruction set encoding") and capstone (aarch64/capstone.cpp, the
// cross-check: capstone 4's operands and cs_regs_access). The built-in one is the default because
// capstone 4 formats every instruction's text and is ~5x slower than the x86-64 Zydis sweep
// (docs/PERFORMANCE-scan.md), which would miss the target of aarch64 scans within 2x of x86-64.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "architecture.hpp"
#include "machines.hpp"

namespace interprobe::scan::aarch64 {

// One instruction, as far as references go.
struct Insn {
  enum class Form : std::uint8_t {
    other,         // names no address; only its register writes matter
    branch,        // B.cond, CBZ/CBNZ, TBZ/TBNZ: `target`
    jump,          // B: `target`; control does not fall through
    call,          // BL: `target`
    adrp,          // ADRP Xd: `target` is the 4 KiB page
    adr,           // ADR Xd: `target`
    load_literal,  // LDR (literal) / PRFM (literal): `target` is the word loaded
    add_imm,       // ADD Xd, Xn, #imm (64-bit, immediate, either shift): `offset`
    mem_imm,       // LDR/STR/PRFM [Xn, #imm] (unsigned offset, any size or register file): `offset`
    branch_reg,    // BR Xn (and its pointer-authenticating forms)
    call_reg,      // BLR Xn (and its pointer-authenticating forms)
    ret,           // RET, ERET (and their pointer-authenticating forms)
  };
  Form form = Form::other;
  std::uint8_t rd = 31;     // adrp/adr/add_imm: Xd; mem_imm/load_literal: Rt
  std::uint8_t rn = 31;     // add_imm/mem_imm: the base Xn; branch_reg/call_reg: the target Xn
  bool load_x = false;      // mem_imm/load_literal: a 64-bit general-register load (LDR Xt)
  bool stack_load = false;  // a general-register load from [sp, ...] (LDR, LDP, any addressing)
  std::uint64_t target = 0;
  std::uint64_t offset = 0;  // add_imm: the immediate, shifted; mem_imm: the byte offset
  // x0..x30 that the instruction writes itself (bit n: xn or wn), whatever its form. The
  // registers a call clobbers are Base's (AAPCS64), not the decoder's.
  std::uint32_t writes = 0;
};

// The decoder-independent half of the aarch64 Architecture.
class Base : public Architecture {
 public:
  std::size_t sweep(std::span<const std::uint8_t> code, std::uint64_t address, std::size_t begin,
                    std::size_t stop, RefSink& sink) override;
  void find_plt_stubs(std::span<const std::uint8_t> code, std::uint64_t address,
                      void (*on_stub)(void*, std::uint64_t, std::uint64_t), void* ctx) override;
  RelocClass classify_reloc(std::uint32_t type) const override;

  // Decodes the little-endian word `word` placed at `address` (4-aligned in any real code).
  virtual void decode(std::uint32_t word, std::uint64_t address, Insn& out) = 0;
};

// The built-in decoder's reading of one word (exposed for tests/scan/scan_aarch64_test.cpp).
Insn decode_a64(std::uint32_t word, std::uint64_t address);

std::unique_ptr<Architecture> make_a64();
std::unique_ptr<Architecture> make_capstone();
std::unique_ptr<Architecture> make(Decoder decoder);  // capstone, or the built-in one

// This backend's entry in the machine table (machines.cpp): EM_AARCH64, R_AARCH64_RELATIVE for
// SHT_RELR, and GNU_PROPERTY_AARCH64_FEATURE_1_AND with its BTI bit.
extern const Machine kMachine;

}  // namespace interprobe::scan::aarch64
