// dwarf_inlines.cpp — counts DW_TAG_inlined_subroutine per function name with libdw, and finds a
// stripped file's separate debug file by its build ID (libdwelf).
#include "dwarf_inlines.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <vector>

namespace interprobe::scan {

namespace {

// The name of the function an inlined instance is a copy of: its abstract origin's linkage name
// (what .dynsym holds for C++) or, for C, its DW_AT_name. dwarf_attr_integrate follows
// DW_AT_abstract_origin and DW_AT_specification chains.
const char* origin_name(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  Dwarf_Die origin;
  if (dwarf_attr(die, DW_AT_abstract_origin, &attr) == nullptr ||
      dwarf_formref_die(&attr, &origin) == nullptr)
    return nullptr;
  for (int name_attr : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name, DW_AT_name}) {
    Dwarf_Attribute a;
    if (dwarf_attr_integrate(&origin, name_attr, &a) != nullptr)
      if (const char* s = dwarf_formstring(&a)) return s;
  }
  return nullptr;
}

void walk(Dwarf_Die* parent, InlineCounts& out, int depth) {
  // Depth bound: corrupt DWARF can nest without end; real code nests a few dozen levels.
  if (depth > 256) return;
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return;
  do {
    if (dwarf_tag(&child) == DW_TAG_inlined_subroutine)
      if (const char* name = origin_name(&child)) ++out.by_name[name];
    if (dwarf_haschildren(&child) > 0) walk(&child, out, depth + 1);
  } while (dwarf_siblingof(&child, &child) == 0);
}

}  // namespace

std::string build_id_hex(Elf* elf) {
  const void* id = nullptr;
  const ssize_t n = dwelf_elf_gnu_build_id(elf, &id);
  if (n <= 0 || id == nullptr) return {};
  std::string hex;
  for (ssize_t i = 0; i < n; ++i)
    hex += fmt::format("{:02x}", static_cast<const unsigned char*>(id)[i]);
  return hex;
}

std::optional<DebugFile> open_debug_file(Elf* elf, const std::string& debug_dir) {
  if (debug_dir.empty()) return std::nullopt;
  const std::string id = build_id_hex(elf);
  if (id.size() < 4) return std::nullopt;
  const std::string path =
      fmt::format("{}/.build-id/{}/{}.debug", debug_dir, id.substr(0, 2), id.substr(2));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  try {
    DebugFile f{path, ElfImage::open_file(path)};
    if (build_id_hex(f.image.elf()) != id) return std::nullopt;
    return f;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

InlineCounts count_inlined_instances(Elf* elf) {
  InlineCounts out;
  Dwarf* dw = dwarf_begin_elf(elf, DWARF_C_READ, nullptr);
  if (dw == nullptr) return out;
  out.has_dwarf = true;
  Dwarf_CU* cu = nullptr;
  Dwarf_Die cudie, subdie;
  std::uint8_t unit_type = 0;
  while (dwarf_get_units(dw, cu, &cu, nullptr, &unit_type, &cudie, &subdie) == 0) {
    Dwarf_Die* root = &cudie;
    if (unit_type == DW_UT_skeleton || unit_type == DW_UT_split_compile) continue;
    walk(root, out, 0);
  }
  dwarf_end(dw);
  return out;
}

}  // namespace interprobe::scan
