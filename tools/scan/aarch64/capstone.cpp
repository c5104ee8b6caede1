// aarch64/capstone.cpp — the aarch64 decoder through capstone 4 (`interprobe scan --decoder
// capstone`), the cross-check of the built-in one (aarch64/a64.cpp): every field comes from
// capstone's operands and every register write from cs_regs_access, so the two readings share no
// decoding code; tests/scan/scan_aarch64_test.cpp requires both to find the same references.
// ~5x slower (capstone 4 formats every instruction's text and, with details, fills operand
// arrays), which is why it is not the default.
#include <capstone/capstone.h>

#include <cstring>
#include <stdexcept>

#include "backend.hpp"
#include "capstone_once.hpp"

namespace interprobe::scan::aarch64 {

namespace {

using Form = Insn::Form;

// x0..x30 (or w0..w30) as 0..30; SP, ZR, vector and system registers as 31.
std::uint8_t gp_index(unsigned reg) {
  if (reg >= ARM64_REG_X0 && reg <= ARM64_REG_X28)
    return static_cast<std::uint8_t>(reg - ARM64_REG_X0);
  if (reg >= ARM64_REG_W0 && reg <= ARM64_REG_W30)
    return static_cast<std::uint8_t>(reg - ARM64_REG_W0);
  if (reg == ARM64_REG_X29) return 29;
  if (reg == ARM64_REG_X30) return 30;
  return 31;
}

bool is_x(unsigned reg) {
  return (reg >= ARM64_REG_X0 && reg <= ARM64_REG_X28) || reg == ARM64_REG_X29 ||
         reg == ARM64_REG_X30;
}

class Capstone final : public Base {
 public:
  Capstone() {
    warm_up_capstone();
    if (cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &h_) != CS_ERR_OK)
      throw std::runtime_error("capstone: cannot open an aarch64 handle");
    cs_option(h_, CS_OPT_DETAIL, CS_OPT_ON);
    insn_ = cs_malloc(h_);
  }
  ~Capstone() override {
    cs_free(insn_, 1);
    cs_close(&h_);
  }

  void decode(std::uint32_t word, std::uint64_t address, Insn& out) override {
    out = Insn{};
    std::uint8_t bytes[4];
    std::memcpy(bytes, &word, 4);
    const std::uint8_t* p = bytes;
    std::size_t n = 4;
    std::uint64_t a = address;
    if (!cs_disasm_iter(h_, &p, &n, &a, insn_) || insn_->detail == nullptr) return;
    cs_regs read, written;
    std::uint8_t nread = 0, nwritten = 0;
    if (cs_regs_access(h_, insn_, read, &nread, written, &nwritten) == CS_ERR_OK)
      for (std::uint8_t k = 0; k < nwritten; ++k)
        if (std::uint8_t r = gp_index(written[k]); r < 31) out.writes |= std::uint32_t{1} << r;
    const cs_arm64& x = insn_->detail->arm64;
    for (std::uint8_t k = 0; k < x.op_count; ++k)  // a load from [sp, ...]: writes and an SP base
      if (x.operands[k].type == ARM64_OP_MEM && x.operands[k].mem.base == ARM64_REG_SP)
        out.stack_load = out.writes != 0;
    fill_form(*insn_, out);
  }

 private:
  static void fill_form(const cs_insn& in, Insn& out) {
    const cs_arm64& x = in.detail->arm64;
    const cs_arm64_op* op = x.operands;
    auto last_imm = [&] { return static_cast<std::uint64_t>(op[x.op_count - 1].imm); };
    switch (in.id) {
      case ARM64_INS_B:
        out.form = x.cc != ARM64_CC_INVALID ? Form::branch : Form::jump;
        out.target = last_imm();
        return;
      case ARM64_INS_BL:
        out.form = Form::call;
        out.target = last_imm();
        return;
      case ARM64_INS_CBZ:
      case ARM64_INS_CBNZ:
      case ARM64_INS_TBZ:
      case ARM64_INS_TBNZ:
        out.form = Form::branch;
        out.target = last_imm();
        return;
      case ARM64_INS_BR:
      case ARM64_INS_BLR:
        out.form = in.id == ARM64_INS_BR ? Form::branch_reg : Form::call_reg;
        out.rn = gp_index(op[0].reg);
        return;
      case ARM64_INS_RET:
      case ARM64_INS_ERET:
        out.form = Form::ret;
        return;
      case ARM64_INS_ADRP:
      case ARM64_INS_ADR:
        out.form = in.id == ARM64_INS_ADRP ? Form::adrp : Form::adr;
        out.rd = gp_index(op[0].reg);
        out.target = last_imm();
        return;
      case ARM64_INS_ADD:  // ADD Xd, Xn, #imm {, LSL #12}
        if (x.op_count == 3 && op[2].type == ARM64_OP_IMM && op[0].type == ARM64_OP_REG &&
            op[1].type == ARM64_OP_REG && (is_x(op[1].reg) || op[1].reg == ARM64_REG_SP)) {
          out.form = Form::add_imm;
          out.rd = gp_index(op[0].reg);
          out.rn = gp_index(op[1].reg);
          out.offset = static_cast<std::uint64_t>(op[2].imm)
                       << (op[2].shift.type == ARM64_SFT_LSL ? op[2].shift.value : 0);
        }
        return;
      case ARM64_INS_LDR:
      case ARM64_INS_LDRB:
      case ARM64_INS_LDRH:
      case ARM64_INS_LDRSB:
      case ARM64_INS_LDRSH:
      case ARM64_INS_LDRSW:
      case ARM64_INS_STR:
      case ARM64_INS_STRB:
      case ARM64_INS_STRH:
      case ARM64_INS_PRFM:
        memory_form(in, out);
        return;
      default:
        return;
    }
  }

  // `ldr/str Rt, [Xn, #imm]` (unsigned offset: no index register, no writeback) or the literal
  // form, whose one operand after Rt is the address.
  static void memory_form(const cs_insn& in, Insn& out) {
    const cs_arm64& x = in.detail->arm64;
    if (x.op_count < 2) return;
    const cs_arm64_op& rt = x.operands[0];
    const cs_arm64_op& m = x.operands[1];
    const bool load_x = in.id == ARM64_INS_LDR && rt.type == ARM64_OP_REG && is_x(rt.reg);
    if (m.type == ARM64_OP_IMM && x.op_count == 2) {
      out.form = Form::load_literal;
      out.target = static_cast<std::uint64_t>(m.imm);
    } else if (m.type == ARM64_OP_MEM && x.op_count == 2 && !x.writeback &&
               m.mem.index == ARM64_REG_INVALID) {
      out.form = Form::mem_imm;
      out.rn = gp_index(m.mem.base);
      out.offset = static_cast<std::uint64_t>(static_cast<std::int64_t>(m.mem.disp));
    } else {
      return;
    }
    out.rd = rt.type == ARM64_OP_REG ? gp_index(rt.reg) : 31;
    out.load_x = load_x;
  }

  csh h_ = 0;
  cs_insn* insn_ = nullptr;
};

}  // namespace

std::unique_ptr<Architecture> make_capstone() { return std::make_unique<Capstone>(); }

}  // namespace interprobe::scan::aarch64
