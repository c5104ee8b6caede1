// elf_symbols.cpp — see elf_symbols.hpp: .dynsym through the scanner's reader; the runtime
// archive's undefined symbols with libelf's ar support (the scanner reads no archives).
#include "elf_symbols.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "elf_image.hpp"

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
  // The scanner's reader (tools/scan/elf_image): the same checks and one-line reasons as
  // `interprobe scan` (not ELF, truncated, 32-bit, not ET_DYN, no .dynsym, a PIE executable, ...).
  // A shim of an executable would never run: the executable's definitions come before any
  // preload's in the lookup order.
  try {
    const scan::ElfImage image = scan::ElfImage::open_file(path);
    const scan::ElfInfo info = scan::read_elf(image);
    scan::require_shared_library(image);
    ElfSymbols out;
    out.machine = info.machine;
    out.is_64 = true;                                        // read_elf accepts ELFCLASS64 only
    for (std::size_t i = 1; i < info.dynsyms.size(); ++i) {  // 0 is the null symbol
      const scan::DynSymbol& d = info.dynsyms[i];
      out.symbols.push_back(DynSymbol{d.name, d.type, d.bind, d.visibility, d.shndx, d.other});
    }
    return out;
  } catch (const scan::ScanError& e) {
    throw InputError("library '" + path + "': " + e.what());
  }
}

namespace {

// Calls f(member) for each member of the `ar` archive at `path` (the shim runtime) until f
// returns false. libelf hands out the archive's symbol index too (not ELF_K_ELF).
template <typename F>
void for_each_member(const std::string& path, F&& f) {
  init_libelf();
  Fd fd(path);
  if (fd.get() < 0)
    throw InputError("cannot open the shim runtime '" + path + "': " + std::strerror(errno));
  ElfHandle ar{elf_begin(fd.get(), ELF_C_READ, nullptr)};
  if (ar.e == nullptr || elf_kind(ar.e) != ELF_K_AR)
    throw InputError("the shim runtime '" + path + "' is not an ar archive");
  Elf_Cmd cmd = ELF_C_READ;
  while (Elf* member = elf_begin(fd.get(), cmd, ar.e)) {
    ElfHandle m{member};
    if (!f(member)) break;
    cmd = elf_next(member);
    if (cmd == ELF_C_NULL) break;
  }
}

}  // namespace

std::vector<std::string> archive_undefined_symbols(const std::string& path) {
  std::set<std::string> names;
  for_each_member(path, [&](Elf* member) {
    for_each_symbol(member, SHT_SYMTAB, [&](const char* name, const GElf_Sym& s) {
      if (s.st_shndx == SHN_UNDEF && GELF_ST_BIND(s.st_info) != STB_LOCAL && name[0] != '\0')
        names.insert(name);
    });
    return true;
  });
  return {names.begin(), names.end()};
}

std::uint16_t archive_machine(const std::string& path) {
  std::uint16_t machine = 0;
  bool found = false;
  for_each_member(path, [&](Elf* member) {  // the first member that is an ELF object
    GElf_Ehdr eh;
    found = elf_kind(member) == ELF_K_ELF && gelf_getehdr(member, &eh) != nullptr;
    if (found) machine = eh.e_machine;
    return !found;
  });
  if (!found) throw InputError("the shim runtime '" + path + "' holds no ELF object");
  return machine;
}

}  // namespace interprobe::shim
