// scan_sites_test.cpp — site-level accounting (docs/SCAN.md "Callers", "diff"): the scanner's
// per-caller counts against binutils' on the fixtures and on Debian's libz and libpython3.11,
// DWARF records of a function's own body, and `diff` on the fixtures built with and without
// -fno-semantic-interposition (tests/scan/fixtures/*.c say what GCC does with each function).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "binutils_sites.hpp"
#include "diff.hpp"
#include "scan_helpers.hpp"
#include "scanner.hpp"

namespace {

using namespace interprobe::scan;
using namespace scan_helpers;

// The scanner's PLT/GOT and direct sites per (function, caller) equal binutils' (the oracle of
// binutils_sites.hpp), caller by caller, self included.
void expect_binutils_sites(const std::string& lib, std::size_t at_least) {
  const LibraryReport r = scan_ok(lib);
  binutils::SiteMap mine;
  for (const SymbolReport& s : r.symbols) {
    if (s.type == "object" || s.visibility != "default" || s.version_hidden) continue;
    for (const CallerSites& c : s.callers) {
      if (c.got == 0 && c.direct == 0) continue;
      binutils::Counts& n = mine[{s.name, r.callers[c.caller]}];
      n.got += c.got;
      n.direct += c.direct;
    }
  }
  binutils::SiteMap theirs = binutils::sites(lib);
  // Only the exported default-visibility functions the scanner reports.
  std::set<std::string> names;
  for (const SymbolReport& s : r.symbols)
    if (s.type != "object" && s.visibility == "default") names.insert(s.name);
  for (auto it = theirs.begin(); it != theirs.end();)
    it = names.count(it->first.first) == 0 ? theirs.erase(it) : std::next(it);
  std::size_t sites = 0;
  for (auto& [key, n] : theirs) sites += n.got + n.direct;
  EXPECT_GE(sites, at_least) << lib;
  for (auto& [key, n] : theirs) {
    auto m = mine.find(key);
    EXPECT_TRUE(m != mine.end() && m->second == n)
        << lib << ": " << key.first << " from '" << key.second << "': binutils PLT/GOT " << n.got
        << ", direct " << n.direct << "; scanner "
        << (m == mine.end()
                ? std::string("nothing")
                : std::to_string(m->second.got) + ", " + std::to_string(m->second.direct));
  }
  for (auto& [key, n] : mine)
    EXPECT_EQ(theirs.count(key), 1u)
        << lib << ": the scanner alone sees " << key.first << " from '" << key.second << "'";
}

TEST(ScanSites, PerCallerCountsAreBinutils) {
  expect_binutils_sites(fixture("default", "libsites.so"), 6);
  expect_binutils_sites(fixture("nosi", "libsites.so"), 4);
  expect_binutils_sites(fixture("default", "libself.so"), 4);
  expect_binutils_sites(victim("gcc-O2"), 10);
  expect_binutils_sites(victim("gcc-Bsymbolic-functions"), 5);
  // Real libraries without .symtab: callers are .dynsym's functions, "" for the rest.
  expect_binutils_sites("/lib/x86_64-linux-gnu/libz.so.1", 50);
  expect_binutils_sites("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0", 30000);
  if (const char* extra = std::getenv("SCAN_SITES_EXTRA")) expect_binutils_sites(extra, 1);
}

// GCC splits fx_tuple_new (self_lib.c) and, fx_tuple_new being interposable, inlines the part
// back: a DW_TAG_inlined_subroutine of fx_tuple_new inside fx_tuple_new, at its declaration line.
// It is no caller: the verdict stays "interposable" (fx_pack1/fx_pack2 call it through the PLT).
TEST(ScanSites, RecordsOfAFunctionsOwnBodyAreNotCallers) {
  const LibraryReport def = scan_ok(fixture("default", "libself.so"));
  const SymbolReport& t = sym(def, "fx_tuple_new");
  EXPECT_EQ(t.got_sites, 2u);
  EXPECT_EQ(t.inlined.value_or(99), 0u);
  EXPECT_EQ(t.inlined_self.value_or(0), 1u);
  EXPECT_EQ(t.verdict, SymVerdict::interposable);
  // Recursion: GCC binds fx_depth's two recursive calls directly even with semantic
  // interposition (objdump: `call <fx_depth>` in fx_depth). No other caller: none.
  const SymbolReport& d = sym(def, "fx_depth");
  EXPECT_EQ(d.self_sites, 2u);
  EXPECT_EQ(d.direct_sites, 0u);
  EXPECT_EQ(d.verdict, SymVerdict::none);

  // -fno-semantic-interposition: the head is inlined into fx_pack1 and fx_pack2 (a record at each
  // call line, each with the part's record nested in it, which is the same copy: not counted).
  const LibraryReport nosi = scan_ok(fixture("nosi", "libself.so"));
  const SymbolReport& n = sym(nosi, "fx_tuple_new");
  EXPECT_EQ(n.inlined.value_or(0), 2u);
  EXPECT_EQ(n.inlined_self.value_or(0), 3u);
  EXPECT_EQ(n.got_sites, 0u);
  EXPECT_EQ(n.verdict, SymVerdict::bound);
  std::set<std::string> callers;
  for (auto& c : n.callers) callers.insert(nosi.callers[c.caller]);
  EXPECT_EQ(callers, (std::set<std::string>{"fx_pack1", "fx_pack2"}));
}

TEST(ScanSites, DiffNamesWhereEachPartiallyLostSiteWent) {
  const LibraryDiff d = diff_libraries(scan_ok(fixture("default", "libsites.so")),
                                       scan_ok(fixture("nosi", "libsites.so")));
  ASSERT_EQ(d.lost.size(), 3u);
  EXPECT_TRUE(d.gained.empty());
  EXPECT_TRUE(d.vanished.empty());
  for (auto& c : d.lost) {
    EXPECT_FALSE(c.fully) << c.name << ": sites_b.c's call stays a PLT call";
    EXPECT_EQ(interposable(c.old_sites), 2u) << c.name;
    EXPECT_EQ(interposable(c.new_sites), 1u) << c.name;
    ASSERT_EQ(c.callers.size(), 1u) << c.name;
    EXPECT_EQ(c.callers[0].caller, c.name + "_same") << c.name;
  }
  EXPECT_EQ(at(change(d.lost, "fx_direct")->moved, DiffKind::direct), 1u);
  EXPECT_EQ(at(change(d.lost, "fx_inline")->moved, DiffKind::inlined), 1u);
  EXPECT_EQ(change(d.lost, "fx_folded")->unrecorded, 1u);

  // Stripped of DWARF, the folded call leaves no evidence: vanished, not lost; the inlined one
  // too (no record to see); the direct call is still a move.
  const LibraryDiff blind = diff_libraries(scan_ok(fixture("default", "libsites.so"), false),
                                           scan_ok(fixture("nosi", "libsites.so"), false));
  ASSERT_EQ(blind.lost.size(), 1u);
  EXPECT_EQ(blind.lost[0].name, "fx_direct");
  std::set<std::string> vanished;
  for (auto& c : blind.vanished) vanished.insert(c.name);
  EXPECT_EQ(vanished, (std::set<std::string>{"fx_folded", "fx_inline"}));
}

// A count that stays equal can hide a loss: one caller's PLT call inlined, another caller's new
// PLT call. Made here from two real scans by moving one caller's sites to a new caller name.
TEST(ScanSites, AnUnchangedTotalStillReportsTheCallerThatMoved) {
  LibraryReport old_lib = scan_ok(fixture("default", "libsites.so"));
  LibraryReport new_lib = scan_ok(fixture("nosi", "libsites.so"));
  // NEW gets one more PLT site of fx_inline, from a caller OLD does not have.
  new_lib.callers.push_back("fx_new_caller");
  for (auto& s : new_lib.symbols)
    if (s.name == "fx_inline") {
      CallerSites extra;
      extra.caller = static_cast<std::uint32_t>(new_lib.callers.size() - 1);
      extra.got = 1;
      s.callers.push_back(extra);
    }
  const LibraryDiff d = diff_libraries(old_lib, new_lib);
  const SymbolChange* c = change(d.lost, "fx_inline");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(interposable(c->old_sites), interposable(c->new_sites));
  EXPECT_EQ(at(c->moved, DiffKind::inlined), 1u);
  EXPECT_EQ(c->appeared, 1u);
}

// diff's second look (tools/scan/diff_inlining.cpp), on two real scans edited the way LTO changes
// code: the PLT call of fx_direct in fx_direct_cross (sites_b.c, stays a PLT call in both builds)
// is moved, in NEW, into another function's code, with the evidence DWARF would give.
LibraryReport with_caller(LibraryReport r, const std::string& name) {
  r.callers.push_back(name);
  r.inlined_into.resize(r.callers.size());
  return r;
}

std::uint32_t id(const LibraryReport& r, const std::string& name) {
  return static_cast<std::uint32_t>(std::find(r.callers.begin(), r.callers.end(), name) -
                                    r.callers.begin());
}

SymbolReport& edit(LibraryReport& r, const std::string& name) {
  return const_cast<SymbolReport&>(sym(r, name));
}

TEST(ScanSites, SecondLookFindsACallThatMovedWithItsCallersCode) {
  const LibraryReport old_lib = scan_ok(fixture("default", "libsites.so"));
  // (i) fx_direct_cross was inlined into fx_host, and fx_direct inlined inside that copy: NEW has
  // the copy at fx_host (inlined 1) and, for fx_direct_cross, inlined_via 1.
  {
    LibraryReport new_lib = with_caller(old_lib, "fx_host");
    SymbolReport& s = edit(new_lib, "fx_direct");
    for (auto& c : s.callers)
      if (new_lib.callers[c.caller] == "fx_direct_cross") {
        c.got = 0;
        c.inlined_via = 1;
      }
    CallerSites host;
    host.caller = id(new_lib, "fx_host");
    host.inlined = 1;
    s.callers.push_back(host);
    const LibraryDiff d = diff_libraries(old_lib, new_lib);
    const SymbolChange* c = change(d.lost, "fx_direct");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->moved_elsewhere, 1u);
    EXPECT_EQ(c->vanished, 0u);
    EXPECT_EQ(at(c->moved, DiffKind::inlined), 1u);
  }
  // (ii) OLD's fx_direct_cross had inlined fx_helper, where the call was; NEW keeps fx_helper out
  // of line with a direct call.
  {
    LibraryReport old2 = with_caller(old_lib, "fx_helper");
    old2.inlined_into[id(old2, "fx_direct_cross")] = {id(old2, "fx_helper")};
    LibraryReport new_lib = with_caller(old_lib, "fx_helper");
    SymbolReport& s = edit(new_lib, "fx_direct");
    for (auto& c : s.callers)
      if (new_lib.callers[c.caller] == "fx_direct_cross") c.got = 0;
    CallerSites helper;
    helper.caller = id(new_lib, "fx_helper");
    helper.direct = 1;
    s.callers.push_back(helper);
    const LibraryDiff d = diff_libraries(old2, new_lib);
    const SymbolChange* c = change(d.lost, "fx_direct");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->moved_elsewhere, 1u);
    EXPECT_EQ(at(c->moved, DiffKind::direct), 1u);
    // Without the DWARF relation the same sites only vanished.
    const LibraryDiff blind = diff_libraries(with_caller(old_lib, "fx_helper"), new_lib);
    EXPECT_EQ(change(blind.lost, "fx_direct"), nullptr);
    ASSERT_NE(change(blind.vanished, "fx_direct"), nullptr);
  }
}

}  // namespace
