// aarch64/a64.cpp — the default aarch64 decoder: an instruction's forms and fields read straight
// from its 32 bits (Arm ARM DDI 0487, section C4.1, "A64 instruction set encoding"; the masks
// below follow its encoding tables, top-level group first: bits 28:25). No text, no tables: the
// scanner needs a dozen forms and, for every other instruction, only which general registers it
// writes. capstone's decoder (aarch64/capstone.cpp) is the cross-check of both.
//
// Register writes are what pairs an `adrp` with its `add`/`ldr`: a pairing is dropped when the
// register is written in between. Where this file is unsure (SVE, reserved encodings) it treats
// the Rd field as written, which can lose a pairing but never invent one.
#include <cstring>

#include "backend.hpp"

namespace interprobe::scan::aarch64 {

namespace {

using Form = Insn::Form;

std::int64_t sign_extend(std::uint64_t v, unsigned bits) {
  return static_cast<std::int64_t>(v << (64 - bits)) >> (64 - bits);
}

// x31 is SP or ZR, never an address register the scanner follows.
std::uint32_t reg_bit(std::uint32_t r) { return r < 31 ? std::uint32_t{1} << r : 0; }

// Branches, exception generation and system instructions (op0 = 101x).
void branch_system(std::uint32_t w, std::uint64_t a, Insn& in) {
  const std::uint32_t rt = w & 31;
  if ((w & 0x7C000000) == 0x14000000) {  // B, BL imm26
    in.target = a + (sign_extend(w & 0x3FFFFFF, 26) << 2);
    in.form = (w >> 31) != 0 ? Form::call : Form::jump;
    if (in.form == Form::call) in.writes = reg_bit(30);
  } else if ((w & 0xFF000000) == 0x54000000) {  // B.cond (BC.cond) imm19
    in.target = a + (sign_extend((w >> 5) & 0x7FFFF, 19) << 2);
    in.form = Form::branch;
  } else if ((w & 0x7C000000) == 0x34000000) {  // CBZ/CBNZ imm19 (bit 25 = 0), TBZ/TBNZ imm14
    in.target = (w & 0x02000000) == 0 ? a + (sign_extend((w >> 5) & 0x7FFFF, 19) << 2)
                                      : a + (sign_extend((w >> 5) & 0x3FFF, 14) << 2);
    in.form = Form::branch;
  } else if ((w & 0xFE1F0000) == 0xD61F0000) {  // unconditional branch (register), op2 = 11111
    in.rn = static_cast<std::uint8_t>((w >> 5) & 31);
    const std::uint32_t opc = (w >> 21) & 0xF;
    if (opc == 0 || opc == 8) in.form = Form::branch_reg;  // BR; BRAA(Z), BRAB(Z)
    if (opc == 1 || opc == 9) in.form = Form::call_reg;    // BLR; BLRAA(Z), BLRAB(Z)
    if (opc == 2 || opc == 4) in.form = Form::ret;         // RET(AA/AB), ERET(AA/AB)
    if (in.form == Form::call_reg) in.writes = reg_bit(30);
  } else if ((w & 0xFFC00000) == 0xD5000000) {  // system
    if ((w & (1u << 21)) != 0) {
      in.writes = reg_bit(rt);                    // L = 1: MRS, SYSL
    } else if ((w & 0xFFFFF01F) == 0xD503201F) {  // hints
      const std::uint32_t crm = (w >> 8) & 0xF, op2 = (w >> 5) & 7;
      if (crm == 1 && (op2 & 1) == 0) in.writes = reg_bit(17);          // PACIA1716 .. AUTIB1716
      if (crm == 3 || (crm == 0 && op2 == 7)) in.writes = reg_bit(30);  // PACIASP.., XPACLRI
    }
  } else if ((w & 0xFFE0001F) == 0xD4000001) {  // SVC: the kernel's result is in x0
    in.writes = reg_bit(0);
  }
}

// Loads and stores (op0 = x1x0): which registers they write, and the two forms that name an
// address (unsigned offset, literal).
void load_store(std::uint32_t w, std::uint64_t a, Insn& in) {
  const std::uint32_t rt = w & 31, rn = (w >> 5) & 31, rt2 = (w >> 10) & 31, rs = (w >> 16) & 31;
  const std::uint32_t size = w >> 30, opc = (w >> 22) & 3;
  const bool simd = (w & (1u << 26)) != 0;
  if ((w & 0xBE000000) == 0x0C000000) {  // SIMD structures; post-indexed (bit 23) writes Xn back
    if ((w & (1u << 23)) != 0) in.writes = reg_bit(rn);
  } else if ((w & 0xFF200000) == 0xD9200000) {  // memory tags (MTE): conservatively Xt and Xn
    in.writes = reg_bit(rt) | reg_bit(rn);
  } else if ((w & 0x3F000000) == 0x08000000) {  // exclusive, ordered, compare-and-swap
    const bool o2 = (w & (1u << 23)) != 0, load = (w & (1u << 22)) != 0, o1 = (w & (1u << 21)) != 0;
    if (!o2 && !o1) in.writes = load ? reg_bit(rt) : reg_bit(rs);  // LDXR / STXR status
    if (!o2 && o1) {
      if (rt2 == 31 && size < 2)  // CASP (Rt2 = 11111): the old pair into Rs, Rs+1
        in.writes = reg_bit(rs) | reg_bit(rs + 1);
      else  // LDXP / STXP status
        in.writes = load ? reg_bit(rt) | reg_bit(rt2) : reg_bit(rs);
    }
    if (o2 && !o1 && load) in.writes = reg_bit(rt);  // LDAR, LDLAR (STLR writes nothing)
    if (o2 && o1) in.writes = reg_bit(rs);           // CAS: the old value into Rs
  } else if ((w & 0x3F200C00) == 0x19000000) {       // LDAPUR/STLUR (RCpc, unscaled)
    if (opc != 0) in.writes = reg_bit(rt);
  } else if ((w & 0x3B000000) == 0x18000000) {  // LDR (literal), LDRSW, PRFM (literal)
    in.form = Form::load_literal;
    in.rd = static_cast<std::uint8_t>(rt);
    in.target = a + (sign_extend((w >> 5) & 0x7FFFF, 19) << 2);
    if (!simd && size != 3) in.writes = reg_bit(rt);  // size field is opc here; 11: PRFM
    in.load_x = !simd && size == 1;
  } else if ((w & 0x38000000) == 0x28000000) {  // pairs: LDP/STP/LDPSW/LDNP/STNP
    const std::uint32_t mode = (w >> 23) & 3;   // 01 post-index, 11 pre-index: Xn written back
    if (!simd && (w & (1u << 22)) != 0) in.writes = reg_bit(rt) | reg_bit(rt2);
    in.stack_load = !simd && (w & (1u << 22)) != 0 && rn == 31;
    if (mode == 1 || mode == 3) in.writes |= reg_bit(rn);
  } else if ((w & 0x3B000000) == 0x39000000) {  // [Xn, #imm12] (unsigned offset)
    in.form = Form::mem_imm;
    in.rd = static_cast<std::uint8_t>(rt);
    in.rn = static_cast<std::uint8_t>(rn);
    const std::uint32_t scale = simd && (opc & 2) != 0 ? 4 : size;  // Q registers: 16 bytes
    in.offset = static_cast<std::uint64_t>((w >> 10) & 0xFFF) << scale;
    const bool prfm = size == 3 && opc == 2;
    if (!simd && opc != 0 && !prfm) in.writes = reg_bit(rt);
    in.stack_load = !simd && opc != 0 && !prfm && rn == 31;
    in.load_x = !simd && size == 3 && opc == 1;
  } else if ((w & 0x3B000000) == 0x38000000) {  // the other single-register forms
    const bool load = !simd && opc != 0 && !(size == 3 && opc == 2);  // not a store or PRFM
    if ((w & (1u << 21)) == 0) {  // unscaled, post-index (01), unprivileged, pre-index (11)
      if (load) in.writes = reg_bit(rt);
      in.stack_load = load && rn == 31;
      const std::uint32_t mode = (w >> 10) & 3;
      if (mode == 1 || mode == 3) in.writes |= reg_bit(rn);
    } else if (((w >> 10) & 1) != 0) {  // LDRAA/LDRAB (pointer authentication); W: writeback
      in.writes = reg_bit(rt) | (((w >> 11) & 1) != 0 ? reg_bit(rn) : 0);
    } else if (((w >> 10) & 3) == 0) {  // atomic memory operations: the old value into Rt
      if (!simd) in.writes = reg_bit(rt);
    } else if (load) {  // register offset
      in.writes = reg_bit(rt);
    }
  }
}

// Scalar floating point and Advanced SIMD (op0 = x111): nearly all write vector registers; these
// write a general one.
void simd_fp(std::uint32_t w, Insn& in) {
  const std::uint32_t rd = w & 31;
  if ((w & 0x5F20FC00) == 0x1E200000) {          // conversion between floating point and integer
    const std::uint32_t opcode = (w >> 16) & 7;  // 010/011: SCVTF/UCVTF, 111: FMOV to FP
    if (opcode != 2 && opcode != 3 && opcode != 7) in.writes = reg_bit(rd);
  } else if ((w & 0xBFE0FC00) == 0x0E002C00 || (w & 0xBFE0FC00) == 0x0E003C00) {  // SMOV, UMOV
    in.writes = reg_bit(rd);
  }
}

}  // namespace

Insn decode_a64(std::uint32_t w, std::uint64_t a) {
  Insn in;
  const std::uint32_t rd = w & 31, rn = (w >> 5) & 31;
  const std::uint32_t op0 = (w >> 25) & 0xF;
  if ((op0 & 0xE) == 0x8) {  // data processing, immediate: everything writes Rd
    in.writes = reg_bit(rd);
    in.rd = static_cast<std::uint8_t>(rd);
    const std::uint64_t imm21 = ((w >> 5) & 0x7FFFF) << 2 | ((w >> 29) & 3);
    if ((w & 0x9F000000) == 0x90000000) {
      in.form = Form::adrp;
      in.target = (a & ~std::uint64_t{0xFFF}) + (sign_extend(imm21, 21) << 12);
    } else if ((w & 0x9F000000) == 0x10000000) {
      in.form = Form::adr;
      in.target = a + sign_extend(imm21, 21);
    } else if ((w & 0xFF800000) == 0x91000000) {  // ADD Xd, Xn, #imm12 {, LSL #12}
      in.form = Form::add_imm;
      in.rn = static_cast<std::uint8_t>(rn);
      in.offset = static_cast<std::uint64_t>((w >> 10) & 0xFFF) << ((w & (1u << 22)) != 0 ? 12 : 0);
    }
  } else if ((op0 & 0xE) == 0xA) {
    branch_system(w, a, in);
  } else if ((op0 & 0x5) == 0x4) {
    load_store(w, a, in);
  } else if ((op0 & 0x7) == 0x5) {  // data processing, register: writes Rd, except
    if ((w & 0x1FE00000) != 0x1A400000) in.writes = reg_bit(rd);  // CCMP/CCMN: [4:0] is nzcv
  } else if ((op0 & 0x7) == 0x7) {
    simd_fp(w, in);
  } else if (op0 == 0x2 && (w >> 31) == 0) {  // SVE: some write Rd (CNTB, ADDVL, LASTB ...)
    in.writes = reg_bit(rd);
  }
  return in;
}

namespace {

class A64 final : public Base {
 public:
  void decode(std::uint32_t word, std::uint64_t address, Insn& out) override {
    out = decode_a64(word, address);
  }
};

}  // namespace

std::unique_ptr<Architecture> make_a64() { return std::make_unique<A64>(); }

}  // namespace interprobe::scan::aarch64
