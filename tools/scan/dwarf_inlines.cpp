// dwarf_inlines.cpp — counts DW_TAG_inlined_subroutine per function name with libdw.
#include "dwarf_inlines.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>

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
