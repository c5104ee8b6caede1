// callers.cpp — caller names and the address ranges that hold them (callers.hpp).
#include "callers.hpp"

#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <array>
#include <climits>

#include "elf_image.hpp"

namespace interprobe::scan {

namespace {

// The suffixes compilers append to a function's name for a copy or a piece of it: GCC's IPA-SRA
// (.isra), IPA-CP (.constprop), function splitting (.part), hot/cold splitting (.cold),
// -fno-semantic-interposition aliases (.localalias), LTO-promoted statics (.lto_priv), older
// GCC's .clone; clang's ThinLTO promotion (.llvm.HASH) and -funique-internal-linkage-names
// (.__uniq.HASH). Each may be followed by `.N`, and they chain (`f.constprop.0.isra.0`).
constexpr std::array<std::string_view, 9> kSuffixes{
    "isra", "constprop", "part", "cold", "localalias", "lto_priv", "clone", "llvm", "__uniq"};

}  // namespace

std::string_view base_function_name(std::string_view name) {
  // The first dot that starts a known suffix; a leading dot (".L123") is not one.
  for (std::size_t dot = name.find('.', 1); dot != std::string_view::npos;
       dot = name.find('.', dot + 1)) {
    std::string_view rest = name.substr(dot + 1);
    for (std::string_view s : kSuffixes)
      if (rest.substr(0, s.size()) == s && (rest.size() == s.size() || rest[s.size()] == '.'))
        return name.substr(0, dot);
  }
  return name;
}

bool is_callable_clone(std::string_view name) {
  for (std::string_view s : {".isra", ".constprop", ".part", ".clone"})
    for (std::size_t at = name.find(s, 1); at != std::string_view::npos; at = name.find(s, at + 1))
      if (at + s.size() == name.size() || name[at + s.size()] == '.') return true;
  return false;
}

bool is_toolchain_function(std::string_view name) {
  return name == "deregister_tm_clones" || name == "register_tm_clones" ||
         name == "__do_global_dtors_aux" || name == "frame_dummy";
}

std::vector<HolderSymbol> read_symtab_holders(Elf* elf) {
  std::vector<HolderSymbol> out;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0)
      continue;
    Elf_Data* d = elf_getdata(scn, nullptr);
    if (d == nullptr) return out;  // evidence only: a broken .symtab is not fatal
    const std::size_t n = sh.sh_size / sh.sh_entsize;
    out.reserve(n);
    for (std::size_t i = 0; i < n && i <= INT_MAX; ++i) {
      GElf_Sym s;
      if (gelf_getsym(d, static_cast<int>(i), &s) == nullptr) break;
      const int type = GELF_ST_TYPE(s.st_info), bind = GELF_ST_BIND(s.st_info);
      if (s.st_shndx == SHN_UNDEF || s.st_shndx >= SHN_LORESERVE) continue;
      if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT) continue;
      const char* name = elf_strptr(elf, sh.sh_link, s.st_name);
      if (name == nullptr || *name == '\0') continue;
      if (s.st_size == 0 && !(type == STT_FUNC && is_toolchain_function(name))) continue;
      out.push_back({name, s.st_value, s.st_size, type != STT_OBJECT, bind != STB_LOCAL});
    }
    return out;
  }
  return out;
}

std::vector<HolderSymbol> holder_symbols(const ElfInfo& info, Elf* elf, Elf* debug,
                                         std::string& from) {
  std::vector<HolderSymbol> holders;
  if (info.has_symtab) {
    holders = read_symtab_holders(elf);
    from = "symtab";
  }
  if (holders.empty() && debug != nullptr) {
    holders = read_symtab_holders(debug);
    if (!holders.empty()) from = "debug-symtab";
  }
  if (holders.empty()) {
    from = "dynsym";
    for (const DynSymbol& s : info.dynsyms)
      if (s.shndx != SHN_UNDEF && s.shndx < SHN_LORESERVE && s.size > 0 &&
          (s.type == STT_FUNC || s.type == STT_GNU_IFUNC || s.type == STT_OBJECT))
        holders.push_back({s.name, s.value, s.size, s.type != STT_OBJECT, true});
  }
  return holders;
}

std::uint32_t CallerNames::intern(std::string_view name) {
  if (name.empty()) return 0;
  auto [it, fresh] = ids_.try_emplace(std::string(name), static_cast<std::uint32_t>(names_.size()));
  if (fresh) names_.emplace_back(name);
  return it->second;
}

void HolderMap::build(const std::vector<HolderSymbol>& symbols, bool functions,
                      CallerNames& names) {
  std::vector<const HolderSymbol*> picked;
  for (auto& s : symbols)
    if (s.function == functions) picked.push_back(&s);
  // By start; at one start the global name first (f before f.localalias), then the longest.
  std::sort(picked.begin(), picked.end(), [](const HolderSymbol* a, const HolderSymbol* b) {
    if (a->value != b->value) return a->value < b->value;
    if (a->global != b->global) return a->global;
    if (a->size != b->size) return a->size > b->size;
    return a->name < b->name;
  });
  ranges_.clear();
  for (const HolderSymbol* s : picked) {
    if (!ranges_.empty() && ranges_.back().start == s->value) continue;  // an alias
    // A range starting inside the previous one (hand-written assembly's inner labels) ends it,
    // and a size-0 one (crtstuff's functions) reaches up to it.
    if (!ranges_.empty() &&
        (ranges_.back().end > s->value || ranges_.back().end == ranges_.back().start))
      ranges_.back().end = s->value;
    ranges_.push_back({s->value, s->value + s->size, names.intern(base_function_name(s->name))});
  }
  if (!ranges_.empty() && ranges_.back().end == ranges_.back().start) ranges_.pop_back();
}

std::vector<std::pair<std::uint32_t, std::uint64_t>> HolderMap::entries() const {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> e;
  e.reserve(ranges_.size());
  for (const Range& r : ranges_) e.emplace_back(r.id, r.start);
  return e;
}

std::uint32_t HolderMap::at(std::uint64_t addr) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), addr,
                             [](std::uint64_t a, const Range& r) { return a < r.start; });
  if (it == ranges_.begin()) return 0;
  --it;
  return addr < it->end ? it->id : 0;
}

std::uint32_t HolderMap::at(std::uint64_t addr, std::size_t& cursor) const {
  // In one sweep the next site is nearly always in the same function or the next one; the
  // ranges do not overlap, so a range that contains addr is the answer.
  for (std::size_t k = cursor; k < ranges_.size() && k <= cursor + 1; ++k)
    if (ranges_[k].start <= addr && addr < ranges_[k].end) {
      cursor = k;
      return ranges_[k].id;
    }
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), addr,
                             [](std::uint64_t a, const Range& r) { return a < r.start; });
  if (it == ranges_.begin()) return 0;
  cursor = static_cast<std::size_t>(it - ranges_.begin()) - 1;
  return addr < ranges_[cursor].end ? ranges_[cursor].id : 0;
}

}  // namespace interprobe::scan
