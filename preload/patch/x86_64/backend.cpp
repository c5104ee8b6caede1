// backend.cpp — the x86-64 patch backend (backend.hpp), with Zydis as decoder and encoder.
//
// The jump is `jmp rel32` (5 bytes), written after an `endbr64` at the entry when there is one:
// with IBT, indirect calls must still land on it, and it is not worth moving. The stub is
//   pushq $id                  68 imm32        on the stack, not in r11: a caller in the same
//                                              object may keep r11 live across a direct call
//                                              (GCC's -fipa-ra; entry.S says more)
//   call *slot(%rip)           FF 15 disp32    the counting entry (x86_64/entry.S), which returns
//                                              here with `ret $8`: the entry's state intact
//   <the stolen instructions, relocated>       RIP-relative operands and relative branches
//                                              re-encoded for the stub's address (Zydis's
//                                              absolute encoder picks the width: jcc rel8 becomes
//                                              rel32 when needed)
//   jmp rel32 back                             to the first instruction not stolen
// Refused: a call among the stolen instructions (its callee would return into the stub, where no
// CFI exists, so an exception or an unwinder would stop there), a relative branch that targets
// the stolen bytes themselves, an instruction the encoder cannot place (jrcxz/loop beyond rel8,
// a target beyond rel32 of the stub).
#include <cstring>
#include <new>

#include "../backend.hpp"
#include "zydis_api.hpp"

namespace interprobe::patch {

namespace {

constexpr std::uint8_t kEndbr64[4] = {0xF3, 0x0F, 0x1E, 0xFA};
constexpr std::size_t kJump = 5;
constexpr std::uint64_t kReach = 0x7FFF0000;  // rel32, with margin for the instruction lengths

bool fits_rel32(std::int64_t d) { return d >= INT32_MIN && d <= INT32_MAX; }

void put_i32(std::uint8_t* p, std::int64_t v) {
  const std::int32_t x = static_cast<std::int32_t>(v);
  std::memcpy(p, &x, 4);
}

class X86Backend final : public Backend {
 public:
  explicit X86Backend(const x86_64::ZydisApi& z) : z_(z) {
    ok_ = ZYAN_SUCCESS(z_.decoder_init(&full_, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) &&
          ZYAN_SUCCESS(z_.decoder_init(&fast_, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) &&
          ZYAN_SUCCESS(z_.decoder_enable_mode(&fast_, ZYDIS_DECODER_MODE_MINIMAL, ZYAN_TRUE));
  }
  bool ok() const { return ok_; }

  Refusal plan(std::uintptr_t entry, std::size_t size, Plan& plan) override {
    plan = Plan{};
    plan.entry = entry;
    if (size == 0) return Refusal::unknown_size;
    const auto* p = reinterpret_cast<const std::uint8_t*>(entry);
    std::size_t off = 0;
    if (size >= sizeof kEndbr64 && std::memcmp(p, kEndbr64, sizeof kEndbr64) == 0)
      off = sizeof kEndbr64;
    plan.patch_offset = static_cast<std::uint8_t>(off);
    std::size_t stolen = 0;
    while (stolen < kJump) {
      if (off >= size) return Refusal::too_short;
      if (plan.count == Plan::kMaxInstructions) return Refusal::not_relocatable;
      ZydisDecodedInstruction in;
      ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
      if (!ZYAN_SUCCESS(z_.decode_full(&full_, p + off, size - off, &in, ops)))
        return Refusal::undecodable;
      if (in.mnemonic == ZYDIS_MNEMONIC_CALL) return Refusal::call_in_stolen;
      plan.length[plan.count++] = in.length;
      off += in.length;
      stolen += in.length;
    }
    plan.stolen = static_cast<std::uint8_t>(stolen);
    // A relative branch among them that lands inside them would, once moved, land on the jump.
    const std::uintptr_t site = plan.site();
    std::uintptr_t a = site;
    for (std::uint8_t i = 0; i < plan.count; ++i) {
      std::uintptr_t target = 0;
      if (relative_target(a, plan.length[i], target) && target >= site && target < site + stolen)
        return Refusal::not_relocatable;
      a += plan.length[i];
    }
    return Refusal::none;
  }

  void branch_targets(const CodeRange& range, void (*on_target)(void*, std::uintptr_t),
                      void* ctx) override {
    const auto* base = reinterpret_cast<const std::uint8_t*>(range.lo);
    const std::size_t n = range.hi - range.lo;
    ZydisDecodedInstruction in;
    for (std::size_t off = 0; off < n;) {
      if (!ZYAN_SUCCESS(z_.decode_instruction(&fast_, nullptr, base + off, n - off, &in))) {
        ++off;  // not an instruction: resynchronise on the next byte, as the scanner does
        continue;
      }
      const std::uintptr_t next = range.lo + off + in.length;
      if (in.raw.imm[0].is_relative)
        on_target(ctx, next + static_cast<std::uintptr_t>(in.raw.imm[0].value.s));
      // A RIP-relative operand naming code (an address taken of a label) counts as a target too:
      // conservative, and it costs nothing extra to read.
      if ((in.attributes & ZYDIS_ATTRIB_HAS_MODRM) != 0 && in.raw.modrm.mod == 0 &&
          in.raw.modrm.rm == 5)
        on_target(ctx, next + static_cast<std::uintptr_t>(in.raw.disp.value));
      off += in.length;
    }
  }

  std::size_t max_stub_size() const override { return 5 + 6 + Plan::kMaxInstructions * 15 + kJump; }

  std::size_t emit_stub(const Plan& plan, std::uint32_t id, std::uintptr_t at,
                        std::uintptr_t entry_slot, std::uint8_t* out, Refusal& why) override {
    std::size_t pos = 0;
    if (id > 0x7FFFFFFF) return refuse(why, Refusal::not_relocatable);  // push sign-extends
    out[pos++] = 0x68;  // pushq $id
    std::memcpy(out + pos, &id, 4);
    pos += 4;
    const std::int64_t slot_disp = static_cast<std::int64_t>(entry_slot - (at + pos + 6));
    if (!fits_rel32(slot_disp)) return refuse(why, Refusal::no_room_nearby);
    out[pos++] = 0xFF;  // call *slot(%rip)
    out[pos++] = 0x15;
    put_i32(out + pos, slot_disp);
    pos += 4;
    std::uintptr_t from = plan.site();
    for (std::uint8_t i = 0; i < plan.count; ++i) {
      std::size_t n = 0;
      if (!relocate(from, plan.length[i], at + pos, out + pos, n))
        return refuse(why, Refusal::not_relocatable);
      pos += n;
      from += plan.length[i];
    }
    const std::int64_t back = static_cast<std::int64_t>(from - (at + pos + kJump));
    if (!fits_rel32(back)) return refuse(why, Refusal::no_room_nearby);
    out[pos++] = 0xE9;
    put_i32(out + pos, back);
    return pos + 4;
  }

  std::size_t emit_jump(std::uintptr_t site, std::uintptr_t stub, std::uint8_t* out) override {
    out[0] = 0xE9;
    put_i32(out + 1, static_cast<std::int64_t>(stub - (site + kJump)));
    return kJump;
  }

  std::uint64_t reach() const override { return kReach; }

 private:
  static std::size_t refuse(Refusal& why, Refusal r) {
    why = r;
    return 0;
  }

  // The target of the relative branch the `n` bytes at `a` encode; false if it is none.
  bool relative_target(std::uintptr_t a, std::size_t n, std::uintptr_t& target) const {
    ZydisDecodedInstruction in;
    if (!ZYAN_SUCCESS(z_.decode_instruction(&fast_, nullptr, reinterpret_cast<const void*>(a), n,
                                            &in)) ||
        !in.raw.imm[0].is_relative)
      return false;
    target = a + n + static_cast<std::uintptr_t>(in.raw.imm[0].value.s);
    return true;
  }

  // Writes the `n`-byte instruction at `from` as it must read at `to`: byte for byte unless it
  // has a PC-relative operand, which is re-encoded with the same absolute target.
  bool relocate(std::uintptr_t from, std::size_t n, std::uintptr_t to, std::uint8_t* out,
                std::size_t& written) const {
    const auto* src = reinterpret_cast<const std::uint8_t*>(from);
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (!ZYAN_SUCCESS(z_.decode_full(&full_, src, n, &in, ops))) return false;
    if ((in.attributes & ZYDIS_ATTRIB_IS_RELATIVE) == 0) {
      std::memcpy(out, src, n);
      written = n;
      return true;
    }
    ZydisEncoderRequest req;
    if (!ZYAN_SUCCESS(z_.to_encoder_request(&in, ops, in.operand_count_visible, &req)))
      return false;
    const std::uintptr_t next = from + n;
    for (ZyanU8 k = 0; k < req.operand_count; ++k) {
      auto& op = req.operands[k];
      if (op.type == ZYDIS_OPERAND_TYPE_IMMEDIATE && ops[k].imm.is_relative) {
        op.imm.u = next + static_cast<std::uintptr_t>(ops[k].imm.value.s);
        req.branch_type = ZYDIS_BRANCH_TYPE_NONE;  // let the encoder widen rel8 to rel32
        req.branch_width = ZYDIS_BRANCH_WIDTH_NONE;
      } else if (op.type == ZYDIS_OPERAND_TYPE_MEMORY && op.mem.base == ZYDIS_REGISTER_RIP) {
        op.mem.displacement = static_cast<ZyanI64>(next + static_cast<std::uintptr_t>(op.mem.displacement));
      }
    }
    ZyanUSize len = 15;
    if (!ZYAN_SUCCESS(z_.encode_absolute(&req, out, &len, to))) return false;
    written = len;
    return true;
  }

  const x86_64::ZydisApi& z_;
  ZydisDecoder full_{}, fast_{};
  bool ok_ = false;
};

// entry.S saves the arithmetic flags with lahf/sahf, which 64-bit mode has only where CPUID
// 0x80000001 says so (ECX bit 0, LAHF-SAHF: every x86-64 CPU since about 2005; x86-64-v2
// requires it).
bool has_lahf_sahf() {
  unsigned a = 0x80000000u, b = 0, c = 0, d = 0;
  asm volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d) : : );
  if (a < 0x80000001u) return false;
  a = 0x80000001u;
  c = 0;
  asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : );
  return (c & 1u) != 0;
}

}  // namespace

Backend* host_backend(Refusal& why) {
  static X86Backend* backend = nullptr;
  static bool tried = false;
  static Refusal reason = Refusal::no_decoder;
  if (!tried) {
    tried = true;
    if (!has_lahf_sahf())
      reason = Refusal::no_lahf_sahf;
    else if (const x86_64::ZydisApi* z = x86_64::zydis()) {
      alignas(X86Backend) static unsigned char storage[sizeof(X86Backend)];
      auto* b = new (storage) X86Backend(*z);
      if (b->ok()) backend = b;
    }
  }
  if (backend == nullptr) why = reason;
  return backend;
}

}  // namespace interprobe::patch
