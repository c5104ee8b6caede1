// x86_64/zydis.cpp — the default x86-64 decoder, through Zydis 4: it splits code into
// instructions without producing any text, and gives the ModRM fields directly.
//
// Each instruction is decoded without its operands (ZydisDecoderDecodeInstruction); branches are
// recognised from its bytes (x86_64::branch_ref, shared with the capstone decoder). A RIP-relative
// operand is only possible with ModRM mod=00 rm=101 (Intel SDM vol. 2, table 2-7), so only those
// instructions get their operands decoded, to read the displacement the way capstone reports it:
// an explicit memory operand whose base is RIP (not EIP: a 0x67 prefix makes it EIP-relative, and
// mod=00 rm=101 on a register-only form such as `mov %cr0, %rax` names no memory at all).
#include <Zydis/Zydis.h>

#include <stdexcept>

#include "backend.hpp"

namespace interprobe::scan::x86_64 {

namespace {

class Zydis final : public Base {
 public:
  Zydis() {
    if (!ZYAN_SUCCESS(ZydisDecoderInit(&fast_, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) ||
        !ZYAN_SUCCESS(ZydisDecoderEnableMode(&fast_, ZYDIS_DECODER_MODE_MINIMAL, ZYAN_TRUE)) ||
        !ZYAN_SUCCESS(ZydisDecoderInit(&full_, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)))
      throw std::runtime_error("zydis: cannot initialise an x86-64 decoder");
  }

  std::size_t sweep(std::span<const std::uint8_t> code, std::uint64_t address, std::size_t begin,
                    std::size_t stop, RefSink& sink) override {
    std::size_t off = begin;
    ZydisDecodedInstruction in;
    while (off < stop) {
      const std::uint8_t* p = code.data() + off;
      const std::uint64_t a = address + off;
      if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&fast_, nullptr, p, code.size() - off, &in))) {
        ++off;  // not an instruction: resynchronise on the next byte
        continue;
      }
      const std::size_t n = in.length;
      if (!branch_ref(p, n, a, sink) && (in.attributes & ZYDIS_ATTRIB_HAS_MODRM) != 0 &&
          in.raw.modrm.mod == 0 && in.raw.modrm.rm == 5)
        rip_operand(p, n, a, sink);
      off += n;
    }
    return off;
  }

 private:
  // The instruction again, with operands, from the full decoder (MINIMAL mode has none).
  void rip_operand(const std::uint8_t* p, std::size_t n, std::uint64_t address, RefSink& sink) {
    ZydisDecoderContext context;
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT_VISIBLE];
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&full_, &context, p, n, &in)) ||
        !ZYAN_SUCCESS(
            ZydisDecoderDecodeOperands(&full_, &context, &in, ops, in.operand_count_visible)))
      return;
    for (std::uint8_t k = 0; k < in.operand_count_visible; ++k)
      if (ops[k].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[k].mem.base == ZYDIS_REGISTER_RIP) {
        sink.on_ref({address, address + n + static_cast<std::uint64_t>(ops[k].mem.disp.value),
                     RefKind::address});
        return;
      }
  }

  ZydisDecoder fast_;  // MINIMAL mode: length, attributes and raw fields only
  ZydisDecoder full_;  // operands, for the few instructions that may be RIP-relative
};

}  // namespace

std::unique_ptr<Architecture> make_zydis() { return std::make_unique<Zydis>(); }

}  // namespace interprobe::scan::x86_64
