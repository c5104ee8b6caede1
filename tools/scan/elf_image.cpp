// elf_image.cpp — opening a file for libelf and copying out the tables the scanner needs, with a
// one-line reason for every way an input can be broken (see elf_image.hpp).
#include "elf_image.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <map>
#include <mutex>

#include "machines.hpp"

#ifndef SHT_RELR
#define SHT_RELR 19  // glibc 2.36 elf.h has it; older headers do not
#endif

namespace interprobe::scan {

namespace {

std::string elf_error() { return elf_errmsg(-1); }

void init_libelf() {
  static std::once_flag once;
  std::call_once(once, [] { elf_version(EV_CURRENT); });
}

}  // namespace

bool has_elf_magic(std::span<const std::uint8_t> bytes) {
  static constexpr std::uint8_t kMagic[4] = {0x7f, 'E', 'L', 'F'};
  return bytes.size() >= 4 && std::memcmp(bytes.data(), kMagic, 4) == 0;
}

bool Section::executable() const {
  return type == SHT_PROGBITS && (flags & SHF_EXECINSTR) != 0 && !data.empty();
}

ElfImage ElfImage::open_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);  // a FIFO must not block us
  if (fd < 0) throw ScanError(fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    throw ScanError(fmt::format("cannot stat: {}", std::strerror(e)));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw ScanError(S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
  }
  ElfImage img;
  img.size_ = static_cast<std::size_t>(st.st_size);
  if (img.size_ > 0) {
    // PROT_WRITE + MAP_PRIVATE: libelf may convert data in place (copy-on-write, never the file).
    void* p = mmap(nullptr, img.size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      throw ScanError(fmt::format("cannot map: {}", std::strerror(e)));
    }
    img.data_ = static_cast<std::uint8_t*>(p);
    img.mapped_ = true;
  }
  ::close(fd);
  img.begin();
  return img;
}

ElfImage ElfImage::from_bytes(std::span<const std::uint8_t> bytes) {
  ElfImage img;
  img.owned_.assign(bytes.begin(), bytes.end());
  img.data_ = img.owned_.data();
  img.size_ = img.owned_.size();
  img.begin();
  return img;
}

ElfImage::ElfImage(ElfImage&& o) noexcept
    : data_(o.data_),
      size_(o.size_),
      mapped_(o.mapped_),
      owned_(std::move(o.owned_)),
      elf_(o.elf_) {
  if (!mapped_) data_ = owned_.data();
  o.data_ = nullptr;
  o.size_ = 0;
  o.mapped_ = false;
  o.elf_ = nullptr;
}

ElfImage::~ElfImage() {
  if (elf_ != nullptr) elf_end(elf_);
  if (mapped_) munmap(data_, size_);
}

void ElfImage::begin() {
  init_libelf();
  if (size_ < 4 || std::memcmp(data_, ELFMAG, SELFMAG) != 0) throw ScanError("not an ELF file");
  if (size_ < EI_NIDENT) throw ScanError("truncated ELF header");
  elf_ = elf_memory(reinterpret_cast<char*>(data_), size_);
  if (elf_ == nullptr) throw ScanError("libelf cannot read it: " + elf_error());
  if (elf_kind(elf_) != ELF_K_ELF) throw ScanError("not an ELF file");
}

const Section* ElfInfo::section(const std::string& name) const {
  for (auto& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

namespace {

void read_dynsym(Elf_Scn* scn, const GElf_Shdr& sh, Elf* elf, ElfInfo& info) {
  Elf_Data* d = elf_getdata(scn, nullptr);
  if (d == nullptr) throw ScanError("unreadable .dynsym: " + elf_error());
  if (sh.sh_entsize == 0) throw ScanError(".dynsym has entry size 0");
  std::size_t n = sh.sh_size / sh.sh_entsize;
  info.dynsyms.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    GElf_Sym s;
    if (gelf_getsym(d, static_cast<int>(i), &s) == nullptr)
      throw ScanError(fmt::format(".dynsym entry {} unreadable: {}", i, elf_error()));
    const char* name = elf_strptr(elf, sh.sh_link, s.st_name);
    info.dynsyms.push_back({name != nullptr ? name : "",
                            s.st_value,
                            s.st_size,
                            static_cast<std::uint8_t>(GELF_ST_TYPE(s.st_info)),
                            static_cast<std::uint8_t>(GELF_ST_BIND(s.st_info)),
                            static_cast<std::uint8_t>(GELF_ST_VISIBILITY(s.st_other)),
                            s.st_shndx,
                            {},
                            false,
                            static_cast<std::uint8_t>(s.st_other & ~0x3u)});
  }
}

void read_symtab(Elf_Scn* scn, const GElf_Shdr& sh, Elf* elf, ElfInfo& info) {
  info.has_symtab = true;
  Elf_Data* d = elf_getdata(scn, nullptr);
  if (d == nullptr || sh.sh_entsize == 0) return;  // evidence only: a broken .symtab is not fatal
  std::size_t n = sh.sh_size / sh.sh_entsize;
  static constexpr std::string_view kAlias = ".localalias";
  for (std::size_t i = 0; i < n; ++i) {
    GElf_Sym s;
    if (gelf_getsym(d, static_cast<int>(i), &s) == nullptr) break;
    const char* name = elf_strptr(elf, sh.sh_link, s.st_name);
    if (name == nullptr) continue;
    std::string_view v(name);
    if (v.size() > kAlias.size() && v.substr(v.size() - kAlias.size()) == kAlias)
      ++info.localalias_count;
  }
}

// GNU symbol versions of the defined dynamic symbols: .gnu.version has one index per .dynsym
// entry, .gnu.version_d names the versions the file defines (the VER_FLG_BASE entry is the file
// itself, not a version). Undefined symbols' indices name .gnu.version_r entries and are left
// alone. A broken version table is not fatal: its symbols are reported unversioned.
void read_versions(const std::vector<std::pair<Elf_Scn*, GElf_Shdr>>& headers, Elf* elf,
                   ElfInfo& info) {
  Elf_Data* versym = nullptr;
  std::map<std::uint16_t, std::string> defined;
  for (auto& [scn, sh] : headers) {
    if (sh.sh_type == SHT_GNU_versym) {
      versym = elf_getdata(scn, nullptr);
    } else if (sh.sh_type == SHT_GNU_verdef) {
      Elf_Data* d = elf_getdata(scn, nullptr);
      if (d == nullptr) continue;
      std::size_t off = 0;
      // sh_info is the number of entries; each step moves forward (vd_next > 0), and libelf
      // refuses an offset past the data, so a corrupt table ends the loop.
      for (std::size_t k = 0; k < sh.sh_info && off <= INT_MAX; ++k) {
        GElf_Verdef vd;
        if (gelf_getverdef(d, static_cast<int>(off), &vd) == nullptr) break;
        GElf_Verdaux aux;
        if ((vd.vd_flags & VER_FLG_BASE) == 0 && vd.vd_cnt > 0 && off + vd.vd_aux <= INT_MAX &&
            gelf_getverdaux(d, static_cast<int>(off + vd.vd_aux), &aux) != nullptr)
          if (const char* name = elf_strptr(elf, sh.sh_link, aux.vda_name))
            defined[vd.vd_ndx] = name;
        if (vd.vd_next == 0) break;
        off += vd.vd_next;
      }
    }
  }
  if (versym == nullptr || defined.empty()) return;
  for (std::size_t i = 0; i < info.dynsyms.size() && i <= INT_MAX; ++i) {
    GElf_Versym v;
    if (gelf_getversym(versym, static_cast<int>(i), &v) == nullptr) break;
    DynSymbol& s = info.dynsyms[i];
    if (s.shndx == SHN_UNDEF) continue;
    // The low 15 bits are the version index; bit 15 marks a hidden (non-default) version
    // (binutils' VERSYM_VERSION / VERSYM_HIDDEN; glibc's elf.h does not name them).
    if (auto it = defined.find(v & 0x7fff); it != defined.end()) {
      s.version = it->second;
      s.version_hidden = (v & 0x8000) != 0;
    }
  }
}

void read_rela(Elf_Scn* scn, const GElf_Shdr& sh, ElfInfo& info) {
  Elf_Data* d = elf_getdata(scn, nullptr);
  if (d == nullptr) throw ScanError("unreadable relocation section: " + elf_error());
  if (sh.sh_entsize == 0) throw ScanError("relocation section has entry size 0");
  std::size_t n = sh.sh_size / sh.sh_entsize;
  for (std::size_t i = 0; i < n; ++i) {
    GElf_Rela r;
    if (gelf_getrela(d, static_cast<int>(i), &r) == nullptr)
      throw ScanError(fmt::format("relocation {} unreadable: {}", i, elf_error()));
    info.relocs.push_back({r.r_offset, static_cast<std::uint32_t>(GELF_R_TYPE(r.r_info)),
                           static_cast<std::uint32_t>(GELF_R_SYM(r.r_info)), r.r_addend});
  }
}

// SHT_RELR (ld -z pack-relative-relocs): a bitmap of RELATIVE relocations; the addend is the word
// already stored at the address. See the generic ABI proposal "RELR relative relocation format".
void read_relr(Elf_Scn* scn, ElfInfo& info, std::uint32_t relative_type) {
  Elf_Data* d = elf_getdata(scn, nullptr);
  if (d == nullptr) throw ScanError("unreadable .relr.dyn: " + elf_error());
  auto word_at = [&](std::uint64_t addr) -> std::int64_t {
    for (auto& s : info.sections)
      if (addr >= s.addr && addr - s.addr + 8 <= s.data.size() && s.addr != 0) {
        std::int64_t v;
        std::memcpy(&v, s.data.data() + (addr - s.addr), 8);
        return v;
      }
    return 0;
  };
  const auto* words = static_cast<const std::uint64_t*>(d->d_buf);
  std::size_t n = d->d_size / 8;
  std::uint64_t base = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t w = words[i];
    if ((w & 1) == 0) {
      info.relocs.push_back({w, relative_type, 0, word_at(w)});
      base = w + 8;
    } else {
      for (std::uint64_t bit = 1, a = base; bit < 64; ++bit, a += 8)
        if ((w >> bit) & 1) info.relocs.push_back({a, relative_type, 0, word_at(a)});
      base += 63 * 8;
    }
  }
}

void read_dynamic(Elf_Scn* scn, const GElf_Shdr& sh, Elf* elf, ElfInfo& info) {
  Elf_Data* d = elf_getdata(scn, nullptr);
  if (d == nullptr) throw ScanError("unreadable .dynamic: " + elf_error());
  if (sh.sh_entsize == 0) throw ScanError(".dynamic has entry size 0");
  std::size_t n = sh.sh_size / sh.sh_entsize;
  for (std::size_t i = 0; i < n; ++i) {
    GElf_Dyn dyn;
    if (gelf_getdyn(d, static_cast<int>(i), &dyn) == nullptr) break;
    if (dyn.d_tag == DT_NULL) break;
    switch (dyn.d_tag) {
      case DT_SYMBOLIC:
        info.dt_symbolic = true;
        break;
      case DT_BIND_NOW:
        info.bind_now = true;
        break;
      case DT_FLAGS:
        if (dyn.d_un.d_val & DF_SYMBOLIC) info.dt_symbolic = true;
        if (dyn.d_un.d_val & DF_BIND_NOW) info.bind_now = true;
        break;
      case DT_FLAGS_1:
        if (dyn.d_un.d_val & DF_1_NOW) info.bind_now = true;
        break;
      case DT_SONAME: {
        const char* s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
        if (s != nullptr) info.soname = s;
        break;
      }
      default:
        break;
    }
  }
}

// NT_GNU_PROPERTY_TYPE_0 notes (the linker's AND of its inputs' properties): an array of
// {u32 type, u32 size, data padded to 8 bytes} (System V gABI "Program Property" as in the
// x86-64 and AArch64 psABIs). A broken note is evidence lost, not an error.
void read_property_note(Elf_Scn* scn, const Machine& m, ElfInfo& info) {
  Elf_Data* d = elf_getdata(scn, nullptr);
  if (d == nullptr || m.feature_1_property == 0) return;
  GElf_Nhdr nh;
  std::size_t off = 0, name_off = 0, desc_off = 0;
  while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
    if (nh.n_type != NT_GNU_PROPERTY_TYPE_0 || nh.n_namesz != 4 ||
        std::memcmp(static_cast<const char*>(d->d_buf) + name_off, "GNU", 4) != 0)
      continue;
    const auto* desc = static_cast<const std::uint8_t*>(d->d_buf) + desc_off;
    for (std::size_t p = 0; p + 8 <= nh.n_descsz;) {
      std::uint32_t type, size;
      std::memcpy(&type, desc + p, 4);
      std::memcpy(&size, desc + p + 4, 4);
      if (size > nh.n_descsz - p - 8) break;
      if (type == m.feature_1_property && size >= 4) {
        std::uint32_t bits;
        std::memcpy(&bits, desc + p + 8, 4);
        info.bti = (bits & m.bti_bit) != 0;
      }
      p += 8 + ((size + 7) & ~std::size_t{7});
    }
  }
}

void read_comment(const Section& s, ElfInfo& info) {
  std::string_view all(reinterpret_cast<const char*>(s.data.data()), s.data.size());
  while (!all.empty()) {
    std::size_t end = all.find('\0');
    std::string_view one = all.substr(0, end);
    if (!one.empty() && info.comments.size() < 8) info.comments.emplace_back(one);
    if (end == std::string_view::npos) break;
    all.remove_prefix(end + 1);
  }
}

}  // namespace

ElfInfo read_elf(const ElfImage& image) {
  Elf* elf = image.elf();
  const char* ident = elf_getident(elf, nullptr);
  if (ident == nullptr) throw ScanError("truncated ELF header");
  if (ident[EI_CLASS] != ELFCLASS64)
    throw ScanError(ident[EI_CLASS] == ELFCLASS32 ? "32-bit ELF (ELFCLASS32) is not supported"
                                                  : "invalid ELF class");
  // The decoders read little-endian code (x86-64; aarch64 as Linux distributions ship it).
  if (ident[EI_DATA] != ELFDATA2LSB)
    throw ScanError("big-endian ELF (ELFDATA2MSB, e.g. aarch64_be) is not supported");
  GElf_Ehdr eh;
  if (gelf_getehdr(elf, &eh) == nullptr) throw ScanError("bad ELF header: " + elf_error());
  if (eh.e_type != ET_DYN)
    throw ScanError(fmt::format("not a shared object (e_type {})",
                                eh.e_type == ET_EXEC  ? "ET_EXEC"
                                : eh.e_type == ET_REL ? "ET_REL"
                                                      : std::to_string(eh.e_type)));
  ElfInfo info;
  info.machine = eh.e_machine;
  // The backend's ELF constants (elfutils' backend hooks, such as relative_reloc_p); a machine
  // with no backend has none, and scan_image refuses it after the tables are read.
  static const Machine kNoBackend{};
  const Machine* found = find_machine(eh.e_machine);
  const Machine& machine = found != nullptr ? *found : kNoBackend;
  // A file cut short (a partial download or copy) loses its section header table first: the
  // linker puts it at the end. libelf then reports no sections at all, which is not what happened.
  const std::uint64_t file_size = image.bytes().size();
  const std::uint64_t sht_bytes =
      std::uint64_t{eh.e_shentsize} * std::max<std::uint64_t>(eh.e_shnum, 1);
  if (eh.e_shoff != 0 && (eh.e_shoff > file_size || file_size - eh.e_shoff < sht_bytes))
    throw ScanError(fmt::format(
        "truncated: the section header table (offset {}, {} bytes) ends past the end of the file "
        "({} bytes; or e_shoff is corrupt)",
        eh.e_shoff, sht_bytes, file_size));
  std::size_t shstrndx = 0, shnum = 0;
  if (elf_getshdrnum(elf, &shnum) != 0) throw ScanError("bad section header count: " + elf_error());
  if (shnum == 0) throw ScanError("no section headers (sstrip'ed files are not supported)");
  if (elf_getshdrstrndx(elf, &shstrndx) != 0)
    throw ScanError("bad section name table index: " + elf_error());
  // libelf returns e_shstrndx unchecked; without names the PLT sections cannot be recognised.
  if (shstrndx == 0 || shstrndx >= shnum)
    throw ScanError(
        fmt::format("section name table index {} out of range ({} sections)", shstrndx, shnum));

  // First pass: section list with data (libelf refuses data past the end of the file).
  std::vector<std::pair<Elf_Scn*, GElf_Shdr>> headers;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr) throw ScanError("bad section header: " + elf_error());
    const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
    Section s{name != nullptr ? name : "", sh.sh_type, sh.sh_flags, sh.sh_addr, sh.sh_size, {}};
    if (sh.sh_type != SHT_NOBITS &&
        (sh.sh_offset > file_size || file_size - sh.sh_offset < sh.sh_size))
      throw ScanError(fmt::format(
          "section {} (offset {}, {} bytes) ends past the end of the file ({} bytes): truncated "
          "or corrupt",
          s.name.empty() ? "?" : s.name, sh.sh_offset, sh.sh_size, file_size));
    if (sh.sh_type != SHT_NOBITS && sh.sh_size > 0 &&
        (sh.sh_type == SHT_PROGBITS || sh.sh_type == SHT_INIT_ARRAY)) {
      Elf_Data* d = elf_rawdata(scn, nullptr);
      if (d == nullptr)
        throw ScanError(
            fmt::format("section {} unreadable: {}", s.name.empty() ? "?" : s.name, elf_error()));
      s.data = {static_cast<const std::uint8_t*>(d->d_buf), d->d_size};
    }
    info.sections.push_back(std::move(s));
    headers.emplace_back(scn, sh);
  }
  for (auto& [scn, sh] : headers) {
    switch (sh.sh_type) {
      case SHT_DYNSYM:
        read_dynsym(scn, sh, elf, info);
        break;
      case SHT_SYMTAB:
        read_symtab(scn, sh, elf, info);
        break;
      case SHT_RELA:
        read_rela(scn, sh, info);
        break;
      case SHT_DYNAMIC:
        read_dynamic(scn, sh, elf, info);
        break;
      case SHT_NOTE:
        read_property_note(scn, machine, info);
        break;
      default:
        break;
    }
  }
  read_versions(headers, elf, info);
  // RELR after the sections' data is known (its addends are stored in place).
  for (auto& [scn, sh] : headers)
    if (sh.sh_type == SHT_RELR && machine.relative_reloc != 0)
      read_relr(scn, info, machine.relative_reloc);
  if (const Section* c = info.section(".comment")) read_comment(*c, info);
  if (info.dynsyms.empty()) throw ScanError("no dynamic symbol table (.dynsym)");
  info.pie = is_pie_executable(image);
  return info;
}

}  // namespace interprobe::scan
