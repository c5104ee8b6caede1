// architecture_x86_64.cpp — x86-64 references through capstone.
//
// Why two capstone handles: with CS_OPT_DETAIL on for every instruction capstone is several times
// slower (it fills operand arrays for all of them; docs/PERFORMANCE-scan.md has the numbers). Most
// instructions are of no interest, and the interesting ones are recognised from their bytes: after
// the legacy/REX prefixes, E8/E9/EB/70-7F/0F 80-8F are branches whose displacement ends the
// instruction, and FF /2 or FF /4 with ModRM mod=00 rm=101 is `call/jmp *disp32(%rip)` (Intel SDM
// vol. 2, table 2-7: RIP-relative addressing). Any other instruction with a RIP-relative operand
// (its text names "rip") is decoded a second time with details to read the displacement.
#include <capstone/capstone.h>
#include <elf.h>

#include <cstring>
#include <stdexcept>

#include "architecture.hpp"

namespace interprobe::scan {

namespace {

bool is_legacy_prefix(std::uint8_t b) {
  switch (b) {
    case 0x66: case 0x67: case 0xF0: case 0xF2: case 0xF3:
    case 0x2E: case 0x36: case 0x3E: case 0x26: case 0x64: case 0x65:
      return true;
    default:
      return false;
  }
}

std::int32_t read_i32(const std::uint8_t* p) {
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

class X86_64 final : public Architecture {
 public:
  X86_64() {
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &fast_) != CS_ERR_OK ||
        cs_open(CS_ARCH_X86, CS_MODE_64, &detail_) != CS_ERR_OK)
      throw std::runtime_error("capstone: cannot open an x86-64 handle");
    cs_option(detail_, CS_OPT_DETAIL, CS_OPT_ON);
    insn_ = cs_malloc(fast_);
    dinsn_ = cs_malloc(detail_);
  }
  ~X86_64() override {
    cs_free(insn_, 1);
    cs_free(dinsn_, 1);
    cs_close(&fast_);
    cs_close(&detail_);
  }

  const char* name() const override { return "x86-64"; }

  void find_references(std::span<const std::uint8_t> code, std::uint64_t address,
                       RefSink& sink) override {
    const std::uint8_t* p = code.data();
    std::size_t left = code.size();
    std::uint64_t a = address;
    while (left > 0) {
      if (!cs_disasm_iter(fast_, &p, &left, &a, insn_)) {
        ++p, --left, ++a;  // not an instruction: resynchronise on the next byte
        continue;
      }
      inspect(*insn_, sink);
    }
  }

  void find_plt_stubs(std::span<const std::uint8_t> code, std::uint64_t address,
                      void (*on_stub)(void*, std::uint64_t, std::uint64_t), void* ctx) override {
    struct Collect final : RefSink {
      std::span<const std::uint8_t> code;
      std::uint64_t base;
      void (*on_stub)(void*, std::uint64_t, std::uint64_t);
      void* ctx;
      void on_ref(const CodeRef& r) override {
        if (r.kind != RefKind::jump_via_slot) return;
        on_stub(ctx, r.site, r.target);
        // IBT stubs (.plt.sec, .plt.got with -z ibt) start with endbr64 (F3 0F 1E FA) right
        // before the jump, and that is where calls land.
        static constexpr std::uint8_t kEndbr64[4] = {0xF3, 0x0F, 0x1E, 0xFA};
        std::uint64_t off = r.site - base;
        if (off >= 4 && std::memcmp(code.data() + off - 4, kEndbr64, 4) == 0)
          on_stub(ctx, r.site - 4, r.target);
      }
    } collect;
    collect.code = code;
    collect.base = address;
    collect.on_stub = on_stub;
    collect.ctx = ctx;
    find_references(code, address, collect);
  }

  RelocClass classify_reloc(std::uint32_t type) const override {
    switch (type) {
      case R_X86_64_JUMP_SLOT: return RelocClass::jump_slot;
      case R_X86_64_GLOB_DAT: return RelocClass::glob_dat;
      case R_X86_64_64: return RelocClass::absolute;
      case R_X86_64_RELATIVE: return RelocClass::relative;
      case R_X86_64_IRELATIVE: return RelocClass::irelative;
      default: return RelocClass::other;
    }
  }

 private:
  void inspect(const cs_insn& in, RefSink& sink) {
    const std::uint8_t* b = in.bytes;
    const std::size_t n = in.size;
    const std::uint64_t end = in.address + n;
    std::size_t i = 0;
    while (i < n && is_legacy_prefix(b[i])) ++i;
    if (i < n && (b[i] & 0xF0) == 0x40) ++i;  // REX
    if (i >= n) return;
    const std::uint8_t op = b[i];
    if ((op == 0xE8 || op == 0xE9) && n - i == 5) {
      sink.on_ref({in.address, end + static_cast<std::int64_t>(read_i32(b + n - 4)),
                   op == 0xE8 ? RefKind::call : RefKind::jump});
      return;
    }
    if ((op == 0xEB || (op >= 0x70 && op <= 0x7F)) && n - i == 2) {
      sink.on_ref({in.address, end + static_cast<std::int8_t>(b[n - 1]), RefKind::jump});
      return;
    }
    if (op == 0x0F && n - i == 6 && (b[i + 1] & 0xF0) == 0x80) {
      sink.on_ref({in.address, end + static_cast<std::int64_t>(read_i32(b + n - 4)), RefKind::jump});
      return;
    }
    if (op == 0xFF && n - i == 6) {
      const std::uint8_t modrm = b[i + 1];
      const unsigned reg = (modrm >> 3) & 7;
      if ((modrm & 0xC7) == 0x05) {  // mod=00 rm=101: disp32(%rip)
        const std::uint64_t slot = end + static_cast<std::int64_t>(read_i32(b + i + 2));
        RefKind k = reg == 2 ? RefKind::call_via_slot
                    : reg == 4 ? RefKind::jump_via_slot : RefKind::address;
        sink.on_ref({in.address, slot, k});
        return;
      }
    }
    if (std::strstr(in.op_str, "rip") == nullptr) return;
    // Rare enough (about one instruction in ten) to afford capstone's details.
    const std::uint8_t* p = b;
    std::size_t len = n;
    std::uint64_t a = in.address;
    if (!cs_disasm_iter(detail_, &p, &len, &a, dinsn_) || dinsn_->detail == nullptr) return;
    const cs_x86& x = dinsn_->detail->x86;
    for (std::uint8_t k = 0; k < x.op_count; ++k)
      if (x.operands[k].type == X86_OP_MEM && x.operands[k].mem.base == X86_REG_RIP) {
        sink.on_ref({in.address, end + static_cast<std::uint64_t>(x.operands[k].mem.disp),
                     RefKind::address});
        return;
      }
  }

  csh fast_ = 0, detail_ = 0;
  cs_insn* insn_ = nullptr;
  cs_insn* dinsn_ = nullptr;
};

}  // namespace

std::unique_ptr<Architecture> make_architecture(std::uint16_t e_machine) {
  if (e_machine == EM_X86_64) return std::make_unique<X86_64>();
  return nullptr;  // aarch64: see architecture.hpp and docs/SCAN.md for what it needs
}

}  // namespace interprobe::scan
