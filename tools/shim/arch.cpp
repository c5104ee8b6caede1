// arch.cpp — the table of shim backends (arch.hpp) and the machine-independent part of the
// generated assembly: shim_abi.h's tables in GNU as directives. A backend registers by adding its
// ShimBackend (x86_64::kBackend, in x86_64/template.cpp) to kBackends (../ARCHITECTURES.md).
#include "arch.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "shim_abi.h"

namespace interprobe::shim {

namespace x86_64 {
extern const ShimBackend kBackend;
}
namespace aarch64 {
extern const ShimBackend kBackend;
}

namespace {

const ShimBackend* const kBackends[] = {&x86_64::kBackend, &aarch64::kBackend};

#define INTERPROBE_STR2(x) #x
#define INTERPROBE_STR(x) INTERPROBE_STR2(x)
constexpr const char* kAbiSymbol = INTERPROBE_STR(INTERPROBE_SHIM_ABI_SYMBOL);

// Names are written quoted ("name"), so any character but '"', '\\' and control characters is
// fine; the generator skips symbol names with those, and escapes them in the library's path.
std::string escape(std::string_view s) {
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

}  // namespace

const ShimBackend* backend_for_machine(std::uint16_t e_machine) {
  for (const ShimBackend* b : kBackends)
    if (b->e_machine == e_machine) return b;
  return nullptr;
}

std::vector<std::uint16_t> backend_machines() {
  std::vector<std::uint16_t> out;
  for (const ShimBackend* b : kBackends) out.push_back(b->e_machine);
  return out;
}

const ArchTemplate* arch_for_machine(std::uint16_t e_machine) {
  const ShimBackend* b = backend_for_machine(e_machine);
  return b != nullptr ? b->arch : nullptr;
}

std::string gnu_property_note(std::uint32_t type, std::uint32_t features) {
  // namesz 4 ("GNU\0"), descsz 16 (pr_type, pr_datasz 4, the word, padding to 8), type 5.
  return fmt::format(
      "\t.section .note.gnu.property,\"a\"\n\t.p2align 3\n\t.long 4\n\t.long 16\n"
      "\t.long 5\n\t.asciz \"GNU\"\n\t.long {:#x}\n\t.long 4\n\t.long {}\n\t.long 0\n",
      type, features);
}

std::string tables(const ArchTemplate& arch, const std::vector<std::string>& symbols,
                   std::string_view library) {
  std::string out = "\t.section .rodata\n\t.p2align 2\n";
  auto hidden = [&](std::string_view sym) {
    out += fmt::format("\t.globl {0}\n\t.hidden {0}\n", sym);
  };
  hidden("interprobe_shim_count");
  out += fmt::format("interprobe_shim_count:\n\t.long {}\n", symbols.size());
  hidden(kAbiSymbol);
  out += fmt::format("{}:\n\t.byte {}\n\t.p2align 2\n", kAbiSymbol, INTERPROBE_SHIM_ABI);
  hidden("interprobe_shim_names");
  out += "interprobe_shim_names:\n";
  std::uint32_t offset = 0;
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
  out += fmt::format("interprobe_shim_targets:\n\t.zero {}\n",
                     8 * std::max<std::size_t>(1, symbols.size()));
  out += arch.notes();
  return out;
}

}  // namespace interprobe::shim
