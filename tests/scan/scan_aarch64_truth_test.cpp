// scan_aarch64_truth_test.cpp — what the scanner says about aarch64 libraries, against the truth
// it has: the table of truth (victim/matrix.json, observed on x86-64) for the variants cross-built
// from the same source with the same flags, where the reason for each cell is the same on both
// machines; the x86-64 build of each variant, count by count, with every aarch64 difference
// explained below by what the disassembly shows; and, for Debian's arm64 libpython3.11 and libz,
// aarch64-linux-gnu-objdump -d (branch sites) and readelf -rW (relocations) for every export.
// The table will carry per-architecture cells later; until then the aarch64 expectations are here.
#include <elf.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "aarch64_files.hpp"
#include "elf_image.hpp"
#include "exec.hpp"
#include "matrix.hpp"
#include "variants.hpp"
#include "scanner.hpp"
#include "truth_rule.hpp"

namespace {

using namespace interprobe;
using namespace interprobe::scan;
using namespace interprobe::scan::checks;

const Matrix& matrix() { return test_support::test_matrix(); }

LibraryReport scan(const std::string& path) {
  LibraryReport r = scan_file(path, {});
  EXPECT_TRUE(r.error.empty()) << path << ": " << r.error;
  return r;
}

std::map<std::string, const SymbolReport*> by_name(const LibraryReport& r) {
  std::map<std::string, const SymbolReport*> out;
  for (auto& s : r.symbols) out[s.name] = &s;
  return out;
}

// The outcomes the table gives the library's own call paths to each symbol.
std::map<std::string, std::set<std::string>> cells(const VariantSpec& v) {
  std::map<std::string, std::set<std::string>> took;
  for (const PathSpec& p : matrix().paths)
    for (const std::string& sym : truth::lib_targets(p))
      took[sym].insert(v.expect.at(p.name) == Verdict::bypassed ? "bypassed" : "interposed");
  return took;
}

void expect_agrees_with_table(const LibraryReport& r, const VariantSpec& cells_of) {
  auto syms = by_name(r);
  for (auto& [sym, took] : cells(cells_of)) {
    ASSERT_TRUE(syms.count(sym)) << sym << " not exported by " << r.path;
    EXPECT_TRUE(truth::scanner_agrees(took, syms[sym]->verdict))
        << r.path << " " << sym << ": " << describe(syms[sym]->verdict) << ", the table ("
        << cells_of.name << ") allows " << truth::allowed(took);
  }
}

// Is there a GOT slot holding `addr` through a RELATIVE relocation?
bool relative_got_slot(const std::string& path, std::uint64_t addr) {
  ElfImage img = ElfImage::open_file(path);
  ElfInfo info = read_elf(img);
  const Section* got = info.section(".got");
  for (const DynReloc& r : info.relocs)
    if (r.type == R_AARCH64_RELATIVE && static_cast<std::uint64_t>(r.addend) == addr &&
        got != nullptr && r.offset >= got->addr && r.offset < got->addr + got->size)
      return true;
  return false;
}

// The aarch64 build against the x86-64 build of the same variant. Equal, except where the
// machines' linkers differ, for these reasons (checked in the disassembly of the variants):
// - GNU ld for x86-64 rewrites a GOT load of a locally bound symbol into `lea sym(%rip)`
//   (R_X86_64_REX_GOTPCRELX, x86-64 psABI "Optimize GOTPCRELX Relocations"); GNU ld 2.40 for
//   aarch64 keeps `adrp; ldr [.., #:got_lo12:sym]` and a GOT slot with a RELATIVE relocation
//   (gcc-Bsymbolic, -Bsymbolic-functions, -protected: victim_fnptr_target, victim_exported_var):
//   the same code sites, counted as through a locally bound GOT slot instead of as addresses,
//   plus the slot's RELATIVE word.
// - lld for aarch64 relaxes that GOT load to `nop; adr x0, sym` (an address site, like x86's lea)
//   but keeps the slot and its RELATIVE word (clang-lld-Bsymbolic-non-weak-functions).
// - With -fno-plt, GNU ld for aarch64 gives an ifunc the code reaches only through its GLOB_DAT
//   slot a PLT entry and a JUMP_SLOT as well, which no instruction branches to (gcc-noplt-now:
//   objdump shows victim_ifunc_fn@plt and no `bl` to it).
void expect_same_as_x86_64(const std::string& variant) {
  const std::string a64 = aarch64_variant(variant);
  const LibraryReport a = scan(a64), x = scan(x86_64_variant(variant));
  auto xs = by_name(x);
  ASSERT_EQ(a.symbols.size(), x.symbols.size()) << variant;
  for (const SymbolReport& s : a.symbols) {
    ASSERT_TRUE(xs.count(s.name)) << variant << " " << s.name;
    const SymbolReport& t = *xs[s.name];
    const std::string ctx = variant + " " + s.name;
    EXPECT_EQ(s.verdict, t.verdict) << ctx;
    EXPECT_EQ(s.direct_sites, t.direct_sites) << ctx;
    EXPECT_EQ(s.got_sites, t.got_sites) << ctx;
    EXPECT_EQ(s.glob_dat, t.glob_dat) << ctx;
    EXPECT_EQ(s.absolute, t.absolute) << ctx;
    EXPECT_EQ(s.inlined, t.inlined) << ctx;
    EXPECT_EQ(s.address_sites + s.local_got_sites, t.address_sites + t.local_got_sites) << ctx;
    if (s.local_relocs != t.local_relocs) {
      EXPECT_EQ(s.local_relocs, t.local_relocs + 1) << ctx;
      EXPECT_TRUE(relative_got_slot(a64, s.address))
          << ctx << ": the extra RELATIVE is no GOT slot";
    }
    if (s.jump_slot != t.jump_slot) {
      EXPECT_EQ(s.jump_slot, t.jump_slot + 1) << ctx;
      EXPECT_EQ(s.type, "ifunc") << ctx;
      EXPECT_GE(s.glob_dat, 1u) << ctx;
    }
  }
  // No .plt.got or .plt.sec on aarch64 (GNU ld's aarch64 backend has neither; IBT is x86's).
  EXPECT_FALSE(a.facts.plt_got || a.facts.plt_sec) << variant;
  EXPECT_FALSE(a.facts.bti) << variant;
  EXPECT_EQ(a.facts.got_calls, x.facts.got_calls) << variant;
  EXPECT_EQ(a.facts.dt_symbolic, x.facts.dt_symbolic) << variant;
  EXPECT_EQ(a.facts.bind_now, x.facts.bind_now) << variant;
  EXPECT_EQ(a.facts.localalias, x.facts.localalias) << variant;
  EXPECT_EQ(a.facts.protected_symbols, x.facts.protected_symbols) << variant;
  EXPECT_TRUE(a.facts.has_dwarf) << variant;
}

class Aarch64Variant : public testing::TestWithParam<std::string> {};

TEST_P(Aarch64Variant, AgreesWithTheTableAndWithTheX86_64Build) {
  const VariantSpec& v = matrix().variant(GetParam());
  if (!std::filesystem::exists(aarch64_variant(v.name)))
    GTEST_SKIP() << v.name << ": its compiler for aarch64 was not found at configure time";
  expect_agrees_with_table(scan(aarch64_variant(v.name)), v);
  expect_same_as_x86_64(v.name);
}

std::vector<std::string> matrix_variants() {
  std::vector<std::string> names;
  for (auto& v : matrix().variants)
    if (v.name != "gcc-cet") names.push_back(v.name);  // x86-only flags: not built for aarch64
  return names;
}

INSTANTIATE_TEST_SUITE_P(Matrix, Aarch64Variant, testing::ValuesIn(matrix_variants()),
                         [](const testing::TestParamInfo<std::string>& i) {
                           std::string n = i.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// Branch protection changes the code (`bti c`/`paciasp` at entries, BTI PLT stubs), not what
// reaches what: each variant scans exactly as its counterpart without it. The BTI fact is the
// property note: -mbranch-protection=standard alone leaves it out (Debian 12's cross crti.o,
// crtn.o, crtbeginS.o have no BTI note, and the linker ANDs the notes), -z force-bti sets it.
TEST(Aarch64BranchProtection, SameReferencesAsWithoutAndTheBtiNote) {
  const std::pair<const char*, const char*> pairs[] = {{"gcc-branch-protection", "gcc-O2"},
                                                       {"gcc-bti", "gcc-O2"},
                                                       {"gcc-bti-nosi", "gcc-O2-nosi"},
                                                       {"clang-lld-bti", "clang-O2"},
                                                       {"clang-lld-bti-pac-plt", "clang-O2"}};
  for (auto [with, without] : pairs) {
    const LibraryReport a = scan(aarch64_variant(with)), b = scan(aarch64_variant(without));
    EXPECT_EQ(a.facts.bti, std::string(with) != "gcc-branch-protection") << with;
    auto bs = by_name(b);
    for (const SymbolReport& s : a.symbols) {
      const SymbolReport& t = *bs.at(s.name);
      const auto counts = [](const SymbolReport& r) {
        return std::tuple(r.verdict, r.jump_slot, r.glob_dat, r.absolute, r.got_sites,
                          r.direct_sites, r.address_sites, r.local_relocs, r.local_got_sites,
                          r.inlined);
      };
      EXPECT_EQ(counts(s), counts(t)) << with << " vs " << without << ": " << s.name;
    }
  }
}

// -Bsymbolic binds everything whatever the compiler (DT_SYMBOLIC): the cells of gcc-Bsymbolic.
// lld puts the stub of the ifunc bound inside the library (IRELATIVE) in .iplt, entered at its
// `bti c`: the `bl` to it reaches victim_ifunc_fn through a locally bound slot.
TEST(Aarch64BranchProtection, LldIpltStubOfABoundIfunc) {
  const LibraryReport r = scan(aarch64_variant("clang-lld-Bsymbolic-bti"));
  EXPECT_TRUE(r.facts.dt_symbolic && r.facts.bti);
  expect_agrees_with_table(r, matrix().variant("gcc-Bsymbolic"));
  const SymbolReport& ifunc = *by_name(r).at("victim_ifunc_fn");
  EXPECT_EQ(ifunc.local_got_sites, 1u) << "the bl to the .iplt stub";
  EXPECT_EQ(ifunc.local_relocs, 1u) << "its IRELATIVE slot";
}

}  // namespace
