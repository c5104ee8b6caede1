// aarch64/template.cpp — the shim generator's aarch64 backend: the per-symbol trampoline (its
// common body is preload/shim/trampoline_aarch64.S), the notes for BTI and PAC, and the backend's
// entry in the table (kBackend, listed in ../arch.cpp).
#include <elf.h>
#include <fmt/format.h>

#include "arch.hpp"

namespace interprobe::shim::aarch64 {

namespace {

class Aarch64 final : public ArchTemplate {
 public:
  std::string trampoline(std::string_view symbol, std::uint32_t index) const override {
    // bti c: a BTI landing pad, since callers reach the trampoline through the PLT's `br x17` or
    // a function pointer's `blr`. w17 (IP1) carries no argument (AAPCS64 6.1.1; the PLT stub has
    // just clobbered it). A `mov` immediate has 16 bits: above 65535, movz and movk.
    const std::string load = index < 0x10000
                                 ? fmt::format("\tmov w17, #{}\n", index)
                                 : fmt::format("\tmovz w17, #{}\n\tmovk w17, #{}, lsl #16\n",
                                               index & 0xffff, index >> 16);
    return fmt::format(
        "\t.globl \"{0}\"\n\t.type \"{0}\", %function\n\t.p2align 4\n\"{0}\":\n"
        "\tbti c\n{1}\tb interprobe_shim_entry\n"
        "\t.size \"{0}\", .-\"{0}\"\n",
        symbol, load);
  }

  std::string unsupported(const DynSymbol& function) const override {
    // The linker keeps a variant-PCS marker in .dynsym (readelf: [VARIANT_PCS]) for functions whose
    // calling convention is not the base AAPCS64: SVE arguments in z0-z7/p0-p3, or the vector
    // PCS (aarch64_vector_pcs, libmvec's _ZGV* functions) with v8-v23 callee-saved in full. The
    // common body's slow path calls libc and the kernel, which keep neither.
    if ((function.other & STO_AARCH64_VARIANT_PCS) != 0)
      return "a variant-PCS function (STO_AARCH64_VARIANT_PCS: SVE or vector-PCS registers beyond "
             "the base calling convention), which the trampoline's slow path does not keep";
    return "";
  }

  std::string notes() const override {
    // No executable stack; BTI and PAC compatible (every entry has `bti c`; the trampolines
    // neither call nor return, and the common body branches to the definition through x16,
    // which may land on its `bti c`): GNU_PROPERTY_AARCH64_FEATURE_1_AND (0xc0000000) with
    // BTI | PAC (3). The linker keeps the property only if every input object has it
    // (Debian's aarch64 libstdc++.a, in the runtime archive, does not).
    return "\t.section .note.GNU-stack,\"\",%progbits\n" + gnu_property_note(0xc0000000, 3);
  }
};

const Aarch64 kTemplate;

}  // namespace

extern const ShimBackend kBackend;
const ShimBackend kBackend = {EM_AARCH64, &kTemplate, "aarch64"};

}  // namespace interprobe::shim::aarch64
