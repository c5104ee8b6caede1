// dwarf_inlines.cpp — one libdw walk over a file's DWARF: the inlined copies of exported functions
// with the function holding each, the records inside a function's own code, and which units mark
// a function inlined (dwarf_inlines.hpp); and a stripped file's debug file by build ID (libdwelf).
#include "dwarf_inlines.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <vector>

namespace interprobe::scan {

namespace {

// The name a DIE's function goes by: its linkage name (what .dynsym holds for C++) or, for C, its
// DW_AT_name. dwarf_attr_integrate follows DW_AT_abstract_origin and DW_AT_specification chains,
// so a concrete out-of-line copy or clone is named after its abstract origin.
const char* function_name(Dwarf_Die* die) {
  for (int name_attr : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name, DW_AT_name}) {
    Dwarf_Attribute a;
    if (dwarf_attr_integrate(die, name_attr, &a) != nullptr)
      if (const char* s = dwarf_formstring(&a)) return s;
  }
  return nullptr;
}

// The function an inlined instance is a copy of: its abstract origin.
bool origin_of(Dwarf_Die* die, Dwarf_Die* origin) {
  Dwarf_Attribute attr;
  return dwarf_attr(die, DW_AT_abstract_origin, &attr) != nullptr &&
         dwarf_formref_die(&attr, origin) != nullptr;
}

// The record is GCC's artificial call of a split-off part of the function (ipa-split): its call
// location is the function's own declaration (file and line), where no call of it is written.
// PyTuple_New's part inlined back into PyTuple_New; PyLong_FromLong's part, which IPA-ICF merged
// with PyLong_FromSsize_t's identical one, inlined into PyLong_FromSsize_t (CPython 3.11,
// docs/SCAN.md "Records of a function's own body").
// Reading a unit's file names parses its whole line table (dwarf_getsrcfiles): the lines are
// compared first, and the files by index when the record and the declaration are in one unit
// (no LTO), so names are needed only across units.
template <class Files>
bool is_split_part(Dwarf_Die* record, Dwarf_Die* origin, Dwarf_Off record_unit, Files&& files) {
  Dwarf_Attribute a;
  Dwarf_Word call_line = 0, call_file = 0, decl_line = 0, decl_file = 0;
  if (dwarf_attr(record, DW_AT_call_line, &a) == nullptr || dwarf_formudata(&a, &call_line) != 0)
    return false;
  // The declaration's attributes are on the origin, or on the DIE it completes (C++).
  Dwarf_Die holder = *origin;
  if (!dwarf_hasattr(&holder, DW_AT_decl_line) &&
      (dwarf_attr(&holder, DW_AT_specification, &a) == nullptr ||
       dwarf_formref_die(&a, &holder) == nullptr))
    return false;
  if (dwarf_attr(&holder, DW_AT_decl_line, &a) == nullptr || dwarf_formudata(&a, &decl_line) != 0 ||
      call_line != decl_line || dwarf_attr(record, DW_AT_call_file, &a) == nullptr ||
      dwarf_formudata(&a, &call_file) != 0 || dwarf_attr(&holder, DW_AT_decl_file, &a) == nullptr ||
      dwarf_formudata(&a, &decl_file) != 0)
    return false;
  Dwarf_Die unit;
  if (dwarf_diecu(&holder, &unit, nullptr, nullptr) != nullptr &&
      dwarf_dieoffset(&unit) == record_unit)
    return call_file == decl_file;
  Dwarf_Files* names = files();
  const char* decl = dwarf_decl_file(&holder);
  const char* call = names != nullptr ? dwarf_filesrc(names, call_file, nullptr, nullptr) : nullptr;
  return decl != nullptr && call != nullptr && std::strcmp(decl, call) == 0;
}

// The DIEs whose children can be functions with code or inlined records: a type's members, a
// variable's or a call site's children cannot, and skipping them is most of the walk (libdw
// jumps over them by DW_AT_sibling).
bool may_hold_code(int tag) {
  switch (tag) {
    case DW_TAG_inlined_subroutine:
    case DW_TAG_lexical_block:
    case DW_TAG_namespace:
    case DW_TAG_module:
    case DW_TAG_compile_unit:
    case DW_TAG_partial_unit:
    case DW_TAG_try_block:
    case DW_TAG_catch_block:
      return true;
    default:
      return false;
  }
}

bool has_code(Dwarf_Die* die) {
  return dwarf_hasattr(die, DW_AT_low_pc) || dwarf_hasattr(die, DW_AT_ranges) ||
         dwarf_hasattr(die, DW_AT_entry_pc);
}

std::uint64_t entry_of(Dwarf_Die* die) {
  Dwarf_Addr a = 0;
  if (dwarf_entrypc(die, &a) == 0) return a;
  Dwarf_Addr base, start, end;
  if (dwarf_ranges(die, 0, &base, &start, &end) > 0) return start;
  return 0;
}

template <class T>
void add_once(std::vector<T>& v, T x) {
  if (v.empty() || v.back() != x) v.push_back(x);
}

class Walk {
 public:
  Walk(const std::function<int(std::string_view)>& exported, CallerNames& names, InlineFacts& out)
      : exported_(exported), names_(names), out_(out) {}

  void unit(Dwarf_Die* cu, std::uint32_t index) {
    unit_ = index;
    cu_ = *cu;
    files_ = nullptr;
    files_read_ = false;
    origin_cache_.clear();  // DIE offsets are per file, but clearing keeps the cache small
    walk(cu, 0);
  }

 private:
  // What an inlined record's origin is: its name and the exported symbol it names (or -1).
  // Cached by the origin's DIE offset: a unit inlines the same few functions thousands of times.
  struct Origin {
    const char* name = nullptr;
    int symbol = -1;
    std::uint32_t caller = kUnnamed;  // its CallerNames id, interned when first needed
  };
  static constexpr std::uint32_t kUnnamed = ~std::uint32_t{0};

  std::uint32_t caller_of(Origin& o) {
    if (o.caller == kUnnamed) o.caller = names_.intern(base_function_name(o.name));
    return o.caller;
  }

  Origin& origin(Dwarf_Die* die) {
    const Dwarf_Off off = dwarf_dieoffset(die);
    auto [it, fresh] = origin_cache_.try_emplace(off);
    if (fresh) {
      it->second.name = function_name(die);
      if (it->second.name != nullptr) it->second.symbol = exported_(it->second.name);
    }
    return it->second;
  }

  void walk(Dwarf_Die* parent, int depth) {
    // Depth bound: corrupt DWARF can nest without end; real code nests a few dozen levels.
    if (depth > 256) return;
    Dwarf_Die child;
    if (dwarf_child(parent, &child) != 0) return;
    do {
      const int tag = dwarf_tag(&child);
      if (tag == DW_TAG_subprogram) {
        subprogram(&child, depth);
        continue;
      }
      const std::size_t pushed = origins_.size();
      Dwarf_Die od;
      if (tag == DW_TAG_inlined_subroutine && origin_of(&child, &od)) {
        Origin& o = origin(&od);
        if (o.name != nullptr) {
          if (o.symbol >= 0) record(&child, &od, o);
          origins_.push_back(&o);
          inlined_here_.push_back(caller_of(o));
        }
      }
      if (may_hold_code(tag) && dwarf_haschildren(&child) > 0) walk(&child, depth + 1);
      origins_.resize(pushed);
    } while (dwarf_siblingof(&child, &child) == 0);
  }

  void subprogram(Dwarf_Die* die, int depth) {
    if (!has_code(die)) {
      // An abstract instance or a declaration. DW_AT_inline 1 (inlined) or 3 (declared inline,
      // inlined): the compiler inlined it somewhere in this unit (GCC dwarf2out.cc sets it from
      // cgraph_function_possibly_inlined_p), even where the copy left no record.
      Dwarf_Attribute a;
      Dwarf_Word inl = 0;
      if (dwarf_attr(die, DW_AT_inline, &a) != nullptr && dwarf_formudata(&a, &inl) == 0 &&
          (inl == DW_INL_inlined || inl == DW_INL_declared_inlined))
        if (const char* name = function_name(die))
          if (int i = exported_(name); i >= 0) add_once(out_.marked_inlined[i], unit_);
      return;  // its children describe no code
    }
    // A function with code: the caller of what its body holds, named when a record needs it.
    // Nested subprograms (GNU C nested functions) are callers of their own.
    const Frame saved = frame_;
    frame_ = Frame{*die, false, nullptr, 0, origins_.size(), inlined_here_.size()};
    if (dwarf_haschildren(die) > 0) walk(die, depth + 1);
    // The functions inlined anywhere in it (diff's second look: callers.hpp, diff.hpp).
    if (inlined_here_.size() > frame_.inlined_base) {
      name_frame();
      if (frame_.caller != 0) {
        std::vector<std::uint32_t>& into = out_.inlined_into[frame_.caller];
        into.insert(into.end(),
                    inlined_here_.begin() + static_cast<std::ptrdiff_t>(frame_.inlined_base),
                    inlined_here_.end());
      }
    }
    inlined_here_.resize(frame_.inlined_base);
    origins_.resize(frame_.origins_base);
    frame_ = saved;
  }

  void name_frame() {
    if (frame_.named) return;
    frame_.named = true;
    frame_.name = function_name(&frame_.die);
    frame_.caller = frame_.name != nullptr ? names_.intern(base_function_name(frame_.name)) : 0;
  }

  void record(Dwarf_Die* die, Dwarf_Die* od, Origin& o) {
    name_frame();
    const auto inside = origins_.begin() + static_cast<std::ptrdiff_t>(frame_.origins_base);
    const bool self =
        (frame_.name != nullptr && std::strcmp(frame_.name, o.name) == 0) ||
        std::any_of(inside, origins_.end(),
                    [&](const Origin* n) { return std::strcmp(n->name, o.name) == 0; }) ||
        is_split_part(die, od, dwarf_dieoffset(&cu_), [this] { return files(); });
    if (self) {
      ++out_.self[o.symbol];
      return;
    }
    InlineCopy c{o.symbol, frame_.caller, entry_of(die), {}};
    // The inlined functions this copy sits in: their code called o before they were inlined.
    for (auto it = inside; it != origins_.end(); ++it) {
      const std::uint32_t v = caller_of(**it);
      if (v != frame_.caller && std::find(c.via.begin(), c.via.end(), v) == c.via.end())
        c.via.push_back(v);
    }
    out_.copies.push_back(std::move(c));
  }

  // The unit's file names, read the first time a record needs them (dwarf_getsrcfiles reads
  // the unit's line table).
  Dwarf_Files* files() {
    if (!files_read_) {
      files_read_ = true;
      std::size_t n = 0;
      if (dwarf_getsrcfiles(&cu_, &files_, &n) != 0) files_ = nullptr;
    }
    return files_;
  }

  // The function whose code the walk is in.
  struct Frame {
    Dwarf_Die die{};
    bool named = false;
    const char* name = nullptr;    // its DWARF name
    std::uint32_t caller = 0;      // its CallerNames id
    std::size_t origins_base = 0;  // origins_ entries that belong to it start here
    std::size_t inlined_base = 0;  // inlined_here_ entries that belong to it start here
  };

  const std::function<int(std::string_view)>& exported_;
  CallerNames& names_;
  InlineFacts& out_;
  std::uint32_t unit_ = 0;
  Dwarf_Die cu_{};
  Dwarf_Files* files_ = nullptr;  // the unit's file names (DW_AT_call_file indexes them)
  bool files_read_ = false;
  Frame frame_;
  std::vector<Origin*> origins_;  // the inlined records the walk is inside, outermost first
  std::vector<std::uint32_t> inlined_here_;  // every record's origin, by frame
  std::unordered_map<Dwarf_Off, Origin> origin_cache_;
};

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

InlineFacts read_inline_facts(Elf* elf, const std::function<int(std::string_view)>& exported,
                              CallerNames& names,
                              const std::vector<std::pair<std::uint32_t, std::uint64_t>>& entries) {
  InlineFacts out;
  Dwarf* dw = dwarf_begin_elf(elf, DWARF_C_READ, nullptr);
  if (dw == nullptr) return out;
  out.has_dwarf = true;
  Walk walk(exported, names, out);
  Dwarf_CU* cu = nullptr;
  Dwarf_Die cudie, subdie;
  std::uint8_t unit_type = 0;
  std::uint32_t index = 0;
  std::unordered_map<Dwarf_Off, std::uint32_t> unit_of;  // CU DIE offset -> unit index
  while (dwarf_get_units(dw, cu, &cu, nullptr, &unit_type, &cudie, &subdie) == 0) {
    if (unit_type == DW_UT_skeleton || unit_type == DW_UT_split_compile) continue;
    unit_of.emplace(dwarf_dieoffset(&cudie), index);
    walk.unit(&cudie, index++);
  }
  for (auto [caller, addr] : entries) {
    Dwarf_Die found;
    if (caller == 0 || dwarf_addrdie(dw, addr, &found) == nullptr) continue;
    if (auto it = unit_of.find(dwarf_dieoffset(&found)); it != unit_of.end())
      out.caller_units[caller].push_back(it->second);
  }
  for (auto* m : {&out.caller_units, &out.inlined_into})
    for (auto& [caller, ids] : *m) {
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    }
  dwarf_end(dw);
  return out;
}

}  // namespace interprobe::scan
