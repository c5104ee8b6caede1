// x86_64/template.cpp — the shim generator's x86-64 backend: the per-symbol trampoline (its
// common body is preload/shim/trampoline_x86_64.S), the notes for CET, and the backend's entry in
// the table (kBackend, listed in ../arch.cpp).
#include <elf.h>
#include <fmt/format.h>

#include "arch.hpp"

namespace interprobe::shim::x86_64 {

namespace {

class X86_64 final : public ArchTemplate {
 public:
  std::string trampoline(std::string_view symbol, std::uint32_t index) const override {
    // endbr64: an IBT landing pad, since callers reach the trampoline through the PLT/GOT
    // (an indirect jump). r11 is scratch in the ABI and never carries an argument.
    return fmt::format(
        "\t.globl \"{0}\"\n\t.type \"{0}\", @function\n\t.p2align 4\n\"{0}\":\n"
        "\tendbr64\n\tmovl ${1}, %r11d\n\tjmp interprobe_shim_entry\n"
        "\t.size \"{0}\", .-\"{0}\"\n",
        symbol, index);
  }

  std::string notes() const override {
    // No executable stack; IBT and SHSTK compatible (every entry has endbr64, and the
    // trampolines neither call nor return: the shadow stack sees the caller's own pair):
    // GNU_PROPERTY_X86_FEATURE_1_AND (0xc0000002) with IBT | SHSTK (3).
    return "\t.section .note.GNU-stack,\"\",@progbits\n" + gnu_property_note(0xc0000002, 3);
  }
};

const X86_64 kTemplate;

}  // namespace

extern const ShimBackend kBackend;
const ShimBackend kBackend = {EM_X86_64, &kTemplate, "x86_64"};

}  // namespace interprobe::shim::x86_64
