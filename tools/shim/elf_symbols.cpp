// elf_symbols.cpp — see elf_symbols.hpp.
#include "elf_symbols.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

namespace interprobe::shim {

namespace {

class Fd {
 public:
  explicit Fd(const std::string& path) : fd_(open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct ElfHandle {
  Elf* e;
  ~ElfHandle() {
    if (e != nullptr) elf_end(e);
  }
};

void init_libelf() {
  if (elf_version(EV_CURRENT) == EV_NONE) throw std::runtime_error("libelf is too old");
}

// Calls f(name, GElf_Sym) for every entry of the section of type `want` in `e`.
template <typename F>
void for_each_symbol(Elf* e, unsigned want, F&& f) {
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(e, scn)) != nullptr) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type != want || sh.sh_entsize == 0) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr) continue;
    const std::size_t n = sh.sh_size / sh.sh_entsize;
    for (std::size_t i = 1; i < n; ++i) {
      GElf_Sym sym;
      if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) continue;
      const char* name = elf_strptr(e, sh.sh_link, sym.st_name);
      f(name != nullptr ? name : "", sym);
    }
  }
}

}  // namespace

ElfSymbols read_dynamic_symbols(const std::string& path) {
  init_libelf();
  Fd fd(path);
  if (fd.get() < 0)
    throw InputError("cannot open library '" + path + "': " + std::strerror(errno));
  ElfHandle h{elf_begin(fd.get(), ELF_C_READ, nullptr)};
  if (h.e == nullptr || elf_kind(h.e) != ELF_K_ELF)
    throw InputError("'" + path + "' is not an ELF file");
  GElf_Ehdr eh;
  if (gelf_getehdr(h.e, &eh) == nullptr)
    throw InputError("'" + path + "' is not an ELF file (no readable ELF header)");
  if (eh.e_type != ET_DYN && eh.e_type != ET_EXEC)
    throw InputError("'" + path + "' is an ELF file but not a shared library (e_type " +
                     std::to_string(eh.e_type) + ")");
  ElfSymbols out;
  out.machine = eh.e_machine;
  out.is_64 = gelf_getclass(h.e) == ELFCLASS64;
  bool has_dynsym = false;
  for_each_symbol(h.e, SHT_DYNSYM, [&](const char* name, const GElf_Sym& s) {
    has_dynsym = true;
    out.symbols.push_back(DynSymbol{name, GELF_ST_TYPE(s.st_info), GELF_ST_BIND(s.st_info),
                                    GELF_ST_VISIBILITY(s.st_other),
                                    static_cast<std::uint16_t>(s.st_shndx)});
  });
  if (!has_dynsym) throw InputError("'" + path + "' has no dynamic symbol table (.dynsym)");
  return out;
}

std::vector<std::string> archive_undefined_symbols(const std::string& path) {
  init_libelf();
  Fd fd(path);
  if (fd.get() < 0)
    throw InputError("cannot open the shim runtime '" + path + "': " + std::strerror(errno));
  ElfHandle ar{elf_begin(fd.get(), ELF_C_READ, nullptr)};
  if (ar.e == nullptr || elf_kind(ar.e) != ELF_K_AR)
    throw InputError("the shim runtime '" + path + "' is not an ar archive");
  std::set<std::string> names;
  Elf_Cmd cmd = ELF_C_READ;
  while (Elf* member = elf_begin(fd.get(), cmd, ar.e)) {
    ElfHandle m{member};
    for_each_symbol(member, SHT_SYMTAB, [&](const char* name, const GElf_Sym& s) {
      if (s.st_shndx == SHN_UNDEF && GELF_ST_BIND(s.st_info) != STB_LOCAL && name[0] != '\0')
        names.insert(name);
    });
    cmd = elf_next(member);
    if (cmd == ELF_C_NULL) break;
  }
  return {names.begin(), names.end()};
}

}  // namespace interprobe::shim
