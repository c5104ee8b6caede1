// callers.hpp — which function of a library holds a code address, and which object holds a data
// word: the *caller* that scan and diff record with every internal site (docs/SCAN.md, "Callers").
//
// Names come from .symtab (the library's own, or its separate debug file's, which Debian's -dbgsym
// and Fedora's -debuginfo files keep); with only .dynsym, from the exported functions, and every
// site outside them has the unknown caller "". A name is normalised so that one source function
// has one name in every build: GCC's clone and piece suffixes (`.isra.N`, `.constprop.N`,
// `.part.N`, `.cold`, `.localalias`, `.lto_priv.N`, and clang's `.llvm.N`, `.__uniq.N`) are cut,
// so `PyTuple_New.part.0` and `tuple_alloc.constprop.0.isra.0` become `PyTuple_New` and
// `tuple_alloc`. Static functions of one name in several files share that name (their sites add
// up under it); DWARF's subprograms are named the same way (dwarf_inlines.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct Elf;

namespace interprobe::scan {

// The name without GCC/clang clone and piece suffixes (see above). Names without them, and names
// in which a dot is followed by anything else (`__x86.get_pc_thunk.bx`), are returned unchanged.
std::string_view base_function_name(std::string_view name);

// A copy of a function that other functions may call instead of it: GCC's `.isra`, `.constprop`,
// `.part` (the split-off body, called where the head was inlined) and older `.clone`. Not `.cold`
// (only ever jumped to from the code it was split from, and a zero-size `f.cold` label may share
// its address with the next function's cold part), not `.localalias` (f's own address).
bool is_callable_clone(std::string_view name);

// crtbeginS.o's functions (deregister_tm_clones, register_tm_clones, __do_global_dtors_aux,
// frame_dummy): GCC's start-up code in every library, not the library's. Their
// `lea __TMC_END__(%rip)` names an empty table's end, which is the address of whatever object the
// linker put next (CPython's _PyRuntime): their sites are not counted.
bool is_toolchain_function(std::string_view name);

// A symbol of .symtab or .dynsym that holds code or data.
struct HolderSymbol {
  std::string name;
  std::uint64_t value = 0, size = 0;  // size 0 only for toolchain functions: up to the next one
  bool function = false;              // STT_FUNC / STT_GNU_IFUNC, else STT_OBJECT
  bool global = false;                // STB_GLOBAL / STB_WEAK / STB_GNU_UNIQUE
};

// The defined FUNC, IFUNC and OBJECT symbols of `elf`'s .symtab (none if it has none).
std::vector<HolderSymbol> read_symtab_holders(Elf* elf);

struct ElfInfo;
// The holders of a library's sites: its .symtab's, else its debug file's (`debug`, may be null),
// else its defined .dynsym functions and objects; `from` says which ("symtab", "debug-symtab",
// "dynsym": LibraryFacts::callers_from).
std::vector<HolderSymbol> holder_symbols(const ElfInfo& info, Elf* elf, Elf* debug,
                                         std::string& from);

// Caller names, interned: id 0 is the unknown caller "".
class CallerNames {
 public:
  CallerNames() { names_.emplace_back(); }
  std::uint32_t intern(std::string_view name);
  const std::string& name(std::uint32_t id) const { return names_[id]; }
  std::size_t size() const { return names_.size(); }
  std::vector<std::string> take() { return std::move(names_); }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint32_t> ids_;
};

// Address ranges of functions (or data objects), each with its caller id. Where several symbols
// start at one address (f and f.localalias, an alias pair), the global one's name is kept.
class HolderMap {
 public:
  void build(const std::vector<HolderSymbol>& symbols, bool functions, CallerNames& names);
  // The caller id holding `addr`, 0 if none.
  std::uint32_t at(std::uint64_t addr) const;
  // The same, for addresses given in increasing order: `cursor` keeps the place between calls.
  std::uint32_t at(std::uint64_t addr, std::size_t& cursor) const;
  bool empty() const { return ranges_.empty(); }
  // (caller id, start address) of every range.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> entries() const;

 private:
  struct Range {
    std::uint64_t start, end;
    std::uint32_t id;
  };
  std::vector<Range> ranges_;  // sorted by start, not overlapping
};

}  // namespace interprobe::scan
