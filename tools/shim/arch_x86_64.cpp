// arch_x86_64.cpp — the x86-64 trampoline template (common body: preload/shim/
// trampoline_x86_64.S), the shim_abi.h tables in GNU as syntax, and the machine registry.
#include <elf.h>

#include <fmt/format.h>

#include "arch.hpp"
#include "shim_abi.h"

namespace interprobe::shim {

namespace {

// Names are written quoted ("name"), so any character but '"', '\\' and control characters is
// fine; the generator skips names with those.
class X86_64 final : public ArchTemplate {
 public:
  std::string_view name() const override { return "x86-64"; }

  std::string trampoline(std::string_view symbol, std::uint32_t index) const override {
    // endbr64: an IBT landing pad, since callers reach the trampoline through the PLT/GOT
    // (an indirect jump). r11 is scratch in the ABI and never carries an argument.
    return fmt::format(
        "\t.globl \"{0}\"\n\t.type \"{0}\", @function\n\t.p2align 4\n\"{0}\":\n"
        "\tendbr64\n\tmovl ${1}, %r11d\n\tjmp interprobe_shim_entry\n"
        "\t.size \"{0}\", .-\"{0}\"\n",
        symbol, index);
  }

  std::string tables(const std::vector<std::string>& symbols,
                     std::string_view library) const override {
    std::string out = "\t.section .rodata\n\t.p2align 2\n";
    auto hidden = [&](std::string_view sym) {
      out += fmt::format("\t.globl {0}\n\t.hidden {0}\n", sym);
    };
    hidden("interprobe_shim_count");
    out += fmt::format("interprobe_shim_count:\n\t.long {}\n", symbols.size());
    hidden(STRINGIFY_ABI);
    out += fmt::format("{}:\n\t.byte {}\n\t.p2align 2\n", STRINGIFY_ABI, INTERPROBE_SHIM_ABI);
    hidden("interprobe_shim_names");
    out += "interprobe_shim_names:\n";
    std::uint32_t offset = 0;
    std::string strtab;
    for (const std::string& s : symbols) {
      out += fmt::format("\t.long {}\n", offset);
      offset += static_cast<std::uint32_t>(s.size() + 1);
    }
    hidden("interprobe_shim_library");
    out += fmt::format("interprobe_shim_library:\n\t.long {}\n", offset);
    hidden("interprobe_shim_strtab");
    out += "interprobe_shim_strtab:\n";
    for (const std::string& s : symbols) out += fmt::format("\t.asciz \"{}\"\n", s);
    out += fmt::format("\t.asciz \"{}\"\n", escape(library));
    out += "\t.bss\n\t.p2align 3\n";
    hidden("interprobe_shim_targets");
    out += fmt::format("interprobe_shim_targets:\n\t.zero {}\n", 8 * std::max<std::size_t>(1, symbols.size()));
    // No executable stack; IBT and SHSTK compatible (every entry has endbr64, and the
    // trampolines neither call nor return: the shadow stack sees the caller's own pair).
    out += "\t.section .note.GNU-stack,\"\",@progbits\n";
    out += "\t.section .note.gnu.property,\"a\"\n\t.p2align 3\n\t.long 4\n\t.long 16\n"
           "\t.long 5\n\t.asciz \"GNU\"\n\t.long 0xc0000002\n\t.long 4\n\t.long 3\n\t.long 0\n";
    return out;
  }

 private:
#define INTERPROBE_STR2(x) #x
#define INTERPROBE_STR(x) INTERPROBE_STR2(x)
  static constexpr const char* STRINGIFY_ABI = INTERPROBE_STR(INTERPROBE_SHIM_ABI_SYMBOL);
  static std::string escape(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
      if (c == '"' || c == '\\')
        out += fmt::format("\\{}", static_cast<char>(c));
      else if (c < 0x20 || c >= 0x7f)
        out += fmt::format("\\{:03o}", c);
      else
        out += static_cast<char>(c);
    }
    return out;
  }
};

}  // namespace

const ArchTemplate* arch_for_machine(std::uint16_t e_machine) {
  static const X86_64 x86_64;
  if (e_machine == EM_X86_64) return &x86_64;
  return nullptr;  // EM_AARCH64: see arch.hpp
}

}  // namespace interprobe::shim
