// capstone_once.cpp — see capstone_once.hpp.
#include "capstone_once.hpp"

#include <capstone/capstone.h>

#include <cstdint>
#include <mutex>

namespace interprobe::scan {

namespace {

void decode_one(cs_arch arch, cs_mode mode, const std::uint8_t* code, std::size_t size) {
  csh h = 0;
  if (cs_open(arch, mode, &h) != CS_ERR_OK) return;
  cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
  cs_insn* insn = nullptr;
  const std::size_t n = cs_disasm(h, code, size, 0x1000, 0, &insn);
  if (n > 0) cs_free(insn, n);
  cs_close(&h);
}

}  // namespace

void warm_up_capstone() {
  static std::once_flag once;
  std::call_once(once, [] {
    static constexpr std::uint8_t kX86[] = {0x48, 0x8b, 0x05, 0, 0, 0, 0, 0xc3};  // mov, ret
    static constexpr std::uint8_t kA64[] = {0x10, 0x01, 0x00, 0x90,               // adrp x16, ...
                                            0x11, 0x02, 0x40, 0xf9};              // ldr x17, [x16]
    decode_one(CS_ARCH_X86, CS_MODE_64, kX86, sizeof kX86);
    decode_one(CS_ARCH_ARM64, CS_MODE_ARM, kA64, sizeof kA64);
  });
}

}  // namespace interprobe::scan
