// elf_symbols.cpp — see elf_symbols.hpp.
#include "elf_symbols.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace interprobe {

namespace {

// Closes the descriptor and ends the libelf handle on every return path.
struct ElfFile {
  int fd = -1;
  Elf* elf = nullptr;
  ~ElfFile() {
    if (elf != nullptr) elf_end(elf);
    if (fd >= 0) close(fd);
  }
};

}  // namespace

std::optional<DynamicSymbols> read_dynamic_symbols(const std::string& path, std::string* error) {
  if (elf_version(EV_CURRENT) == EV_NONE) {
    *error = "libelf is unusable (elf_version failed)";
    return std::nullopt;
  }
  ElfFile f;
  f.fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) {
    *error = fmt::format("cannot open '{}': {}", path, std::strerror(errno));
    return std::nullopt;
  }
  f.elf = elf_begin(f.fd, ELF_C_READ, nullptr);
  GElf_Ehdr eh;
  if (f.elf == nullptr || elf_kind(f.elf) != ELF_K_ELF || gelf_getehdr(f.elf, &eh) == nullptr) {
    *error = fmt::format("'{}' is not an ELF file", path);
    return std::nullopt;
  }
  if (eh.e_type != ET_DYN) {
    *error = fmt::format("'{}' is not a shared library (ELF type {})", path, eh.e_type);
    return std::nullopt;
  }
  DynamicSymbols out;
  // A PIE executable is ET_DYN as well. Older linkers set no DF_1_PIE; then an interpreter and no
  // SONAME tell it (libc.so.6 has an interpreter too, to be runnable, but also a SONAME).
  bool has_interp = false;
  std::size_t phnum = 0;
  if (elf_getphdrnum(f.elf, &phnum) == 0)
    for (std::size_t i = 0; i < phnum; ++i) {
      GElf_Phdr ph;
      if (gelf_getphdr(f.elf, static_cast<int>(i), &ph) != nullptr && ph.p_type == PT_INTERP)
        has_interp = true;
    }
  bool have_dynsym = false;
  for (Elf_Scn* scn = elf_nextscn(f.elf, nullptr); scn != nullptr; scn = elf_nextscn(f.elf, scn)) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_entsize == 0) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr) continue;
    const std::size_t n = sh.sh_size / sh.sh_entsize;
    if (sh.sh_type == SHT_DYNSYM) {
      have_dynsym = true;
      for (std::size_t i = 1; i < n; ++i) {
        GElf_Sym sym;
        if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) continue;
        const unsigned char bind = GELF_ST_BIND(sym.st_info), type = GELF_ST_TYPE(sym.st_info);
        if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE) continue;
        const char* name = elf_strptr(f.elf, sh.sh_link, sym.st_name);
        if (name == nullptr || *name == '\0') continue;
        DynamicSymbol& d = out.symbols[name];
        // A versioned library may list a name more than once; any definition counts.
        d.defined = d.defined || sym.st_shndx != SHN_UNDEF;
        d.weak = bind == STB_WEAK;
        d.function = d.function || type == STT_FUNC || type == STT_GNU_IFUNC;
        d.visibility = GELF_ST_VISIBILITY(sym.st_other);
      }
    } else if (sh.sh_type == SHT_DYNAMIC) {
      for (std::size_t i = 0; i < n; ++i) {
        GElf_Dyn dyn;
        if (gelf_getdyn(data, static_cast<int>(i), &dyn) == nullptr) continue;
        if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE) != 0) out.executable = true;
        if (dyn.d_tag == DT_SONAME) {
          const char* s = elf_strptr(f.elf, sh.sh_link, dyn.d_un.d_val);
          if (s != nullptr) out.soname = s;
        }
      }
    }
  }
  if (has_interp && out.soname.empty()) out.executable = true;
  if (out.executable) {
    *error = fmt::format("'{}' is an executable (PIE), not a shared library", path);
    return std::nullopt;
  }
  if (!have_dynsym) {
    *error = fmt::format("'{}' has no dynamic symbol table", path);
    return std::nullopt;
  }
  return out;
}

}  // namespace interprobe
