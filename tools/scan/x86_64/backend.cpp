// x86_64/backend.cpp — the decoder-independent half of x86-64 (backend.hpp): branches
// recognised from bytes, PLT stubs, relocation types, the choice of decoder, and the backend's
// entry in the machine table (kMachine).
//
// The branch forms, after the legacy prefixes and one REX prefix: E8/E9 rel32 (call/jmp),
// EB/70-7F rel8 (jmp/jcc), 0F 80-8F rel32 (jcc), whose displacement ends the instruction; and
// FF /2 or FF /4 with ModRM mod=00 rm=101, `call/jmp *disp32(%rip)` (Intel SDM vol. 2, table 2-7:
// RIP-relative addressing); another FF /r on disp32(%rip) (inc, push, ...) is an address use.
// The length checks keep out forms whose operand size a prefix changed (66 E8 rel16 on AMD).
#include "backend.hpp"

#include <elf.h>

#include <cstring>

namespace interprobe::scan {

namespace x86_64 {

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

}  // namespace

bool branch_ref(const std::uint8_t* b, std::size_t n, std::uint64_t address, RefSink& sink) {
  const std::uint64_t end = address + n;
  std::size_t i = 0;
  while (i < n && is_legacy_prefix(b[i])) ++i;
  if (i < n && (b[i] & 0xF0) == 0x40) ++i;  // REX
  if (i >= n) return false;
  const std::uint8_t op = b[i];
  if ((op == 0xE8 || op == 0xE9) && n - i == 5) {
    sink.on_ref({address, end + static_cast<std::int64_t>(read_i32(b + n - 4)),
                 op == 0xE8 ? RefKind::call : RefKind::jump});
    return true;
  }
  if ((op == 0xEB || (op >= 0x70 && op <= 0x7F)) && n - i == 2) {
    sink.on_ref({address, end + static_cast<std::int8_t>(b[n - 1]), RefKind::jump});
    return true;
  }
  if (op == 0x0F && n - i == 6 && (b[i + 1] & 0xF0) == 0x80) {
    sink.on_ref({address, end + static_cast<std::int64_t>(read_i32(b + n - 4)), RefKind::jump});
    return true;
  }
  if (op == 0xFF && n - i == 6 && (b[i + 1] & 0xC7) == 0x05) {  // mod=00 rm=101: disp32(%rip)
    const unsigned reg = (b[i + 1] >> 3) & 7;
    const std::uint64_t slot = end + static_cast<std::int64_t>(read_i32(b + i + 2));
    RefKind k = reg == 2 ? RefKind::call_via_slot
                : reg == 4 ? RefKind::jump_via_slot : RefKind::address;
    sink.on_ref({address, slot, k});
    return true;
  }
  return false;
}

void Base::find_plt_stubs(std::span<const std::uint8_t> code, std::uint64_t address,
                          void (*on_stub)(void*, std::uint64_t, std::uint64_t), void* ctx) {
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

RelocClass Base::classify_reloc(std::uint32_t type) const {
  switch (type) {
    case R_X86_64_JUMP_SLOT: return RelocClass::jump_slot;
    case R_X86_64_GLOB_DAT: return RelocClass::glob_dat;
    case R_X86_64_64: return RelocClass::absolute;
    case R_X86_64_RELATIVE: return RelocClass::relative;
    case R_X86_64_IRELATIVE: return RelocClass::irelative;
    default: return RelocClass::other;
  }
}

std::unique_ptr<Architecture> make(Decoder decoder) {
  return decoder == Decoder::capstone ? make_capstone() : make_zydis();
}

const Machine kMachine = {EM_X86_64,
                          "x86-64",
                          "zydis",
                          &make,
                          R_X86_64_RELATIVE,
                          GNU_PROPERTY_X86_FEATURE_1_AND,
                          0,
                          LandingPads::plt_sec};

}  // namespace x86_64

}  // namespace interprobe::scan
