// shared_library.cpp — the one rule of what interprobe reads as a shared library (elf_image.hpp:
// is_pie_executable, require_shared_library), the one rule of an exported symbol (exported.hpp),
// and the scanner's entry points that open a file or bytes under that rule (scanner.hpp:
// scan_file, scan_bytes).
#include <gelf.h>
#include <libelf.h>

#include "elf_image.hpp"
#include "exported.hpp"
#include "scanner.hpp"

namespace interprobe::scan {

bool binds_across_objects(std::uint8_t bind, std::uint8_t visibility) {
  return (bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE) &&
         (visibility == STV_DEFAULT || visibility == STV_PROTECTED);
}

bool is_pie_executable(const ElfImage& image) {
  Elf* elf = image.elf();
  GElf_Ehdr eh;
  if (gelf_getehdr(elf, &eh) == nullptr || eh.e_type != ET_DYN) return false;
  bool interp = false, soname = false, df_1_pie = false;
  std::size_t phnum = 0;
  if (elf_getphdrnum(elf, &phnum) != 0) return false;
  for (std::size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf, static_cast<int>(i), &ph) == nullptr) continue;
    if (ph.p_type == PT_INTERP) interp = true;
    if (ph.p_type != PT_DYNAMIC) continue;
    // The dynamic segment as the loader reads it (no section headers needed); libelf refuses a
    // chunk past the end of the file.
    Elf_Data* d =
        elf_getdata_rawchunk(elf, static_cast<int64_t>(ph.p_offset), ph.p_filesz, ELF_T_DYN);
    const std::size_t entry = gelf_fsize(elf, ELF_T_DYN, 1, EV_CURRENT);
    if (d == nullptr || entry == 0) continue;
    const std::size_t n = d->d_size / entry;
    for (std::size_t k = 0; k < n; ++k) {
      GElf_Dyn dyn;
      if (gelf_getdyn(d, static_cast<int>(k), &dyn) == nullptr || dyn.d_tag == DT_NULL) break;
      if (dyn.d_tag == DT_SONAME) soname = true;
      if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE) != 0) df_1_pie = true;
    }
  }
  return df_1_pie || (interp && !soname);
}

bool is_pie_executable_file(const std::string& path) {
  try {
    return is_pie_executable(ElfImage::open_file(path));
  } catch (const ScanError&) {
    return false;
  }
}

void require_shared_library(const ElfImage& image) {
  if (is_pie_executable(image)) throw ScanError(kExecutableNotLibrary);
}

namespace {

// Errors become the report's one line (ScanError's reason), never an exception.
template <class Open>
LibraryReport guarded(const std::string& path, const ScanOptions& options, Open&& open) {
  LibraryReport r;
  try {
    ElfImage img = open();
    if (options.refuse_pie) require_shared_library(img);
    r = scan_image(img, options);
  } catch (const ScanError& e) {
    r.error = e.what();
  } catch (const std::exception& e) {  // e.g. bad_alloc on absurd sizes: still one line
    r.error = std::string("cannot scan: ") + e.what();
  }
  r.path = path;
  if (r.file.empty()) r.file = path;
  return r;
}

}  // namespace

LibraryReport scan_file(const std::string& path, const ScanOptions& options) {
  return guarded(path, options, [&] { return ElfImage::open_file(path); });
}

LibraryReport scan_bytes(std::span<const std::uint8_t> bytes, const ScanOptions& options,
                         const std::string& path) {
  return guarded(path, options, [&] { return ElfImage::from_bytes(bytes); });
}

}  // namespace interprobe::scan
