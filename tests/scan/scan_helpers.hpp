// scan_helpers.hpp — what the scanner's unit tests share: the paths of the victim variants and the
// scan fixtures, a scan that must succeed, and lookups of a symbol or a diff entry by name.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "diff.hpp"
#include "scanner.hpp"

namespace scan_helpers {

using namespace interprobe::scan;

inline std::string victim(const std::string& variant) {
  return std::string(TEST_VARIANTS) + "/" + variant + "/libvictim.so.1";
}

#ifdef TEST_SCAN_FIXTURES
inline std::string fixture(const std::string& kind, const std::string& lib) {
  return std::string(TEST_SCAN_FIXTURES) + "/" + kind + "/" + lib;
}
#endif

inline LibraryReport scan_ok(const std::string& path, bool dwarf = true) {
  ScanOptions o;
  o.dwarf = dwarf;
  LibraryReport r = scan_file(path, o);
  EXPECT_TRUE(r.error.empty()) << path << ": " << r.error;
  return r;
}

inline const SymbolReport& sym(const LibraryReport& r, const std::string& name) {
  for (auto& s : r.symbols)
    if (s.name == name) return s;
  throw std::runtime_error(name + " not in " + r.path);
}

inline const SymbolChange* change(const std::vector<SymbolChange>& v, const std::string& name) {
  for (auto& c : v)
    if (c.name == name) return &c;
  return nullptr;
}

inline std::size_t at(const KindCounts& c, DiffKind k) { return c[static_cast<std::size_t>(k)]; }

// Editing a real scan the way another build would differ (diff's second look): a new caller
// name, a caller's id, a symbol to change.
inline LibraryReport with_caller(LibraryReport r, const std::string& name) {
  r.callers.push_back(name);
  r.inlined_into.resize(r.callers.size());
  return r;
}

inline std::uint32_t id(const LibraryReport& r, const std::string& name) {
  return static_cast<std::uint32_t>(std::find(r.callers.begin(), r.callers.end(), name) -
                                    r.callers.begin());
}

inline SymbolReport& edit(LibraryReport& r, const std::string& name) {
  return const_cast<SymbolReport&>(sym(r, name));
}

// The libsites fixture edited the way LTO changes code, for diff's second look: the PLT call of
// fx_direct in fx_direct_cross (sites_b.c, a PLT call in both builds) moved into other code.
// (i) fx_direct_cross inlined into fx_host, fx_direct's call inlined inside that copy: the copy
// at fx_host (inlined 1) and, for fx_direct_cross, inlined_via 1.
inline LibraryReport cross_inlined_into_host(const LibraryReport& plain) {
  LibraryReport r = with_caller(plain, "fx_host");
  SymbolReport& s = edit(r, "fx_direct");
  for (auto& c : s.callers)
    if (r.callers[c.caller] == "fx_direct_cross") {
      c.got = 0;
      c.inlined_via = 1;
    }
  CallerSites host;
  host.caller = id(r, "fx_host");
  host.inlined = 1;
  s.callers.push_back(host);
  return r;
}

// (ii) The call was in fx_helper's code, inlined into fx_direct_cross (OLD's DWARF relation)...
inline LibraryReport helper_inlined_into_cross(const LibraryReport& plain) {
  LibraryReport r = with_caller(plain, "fx_helper");
  r.inlined_into[id(r, "fx_direct_cross")] = {id(r, "fx_helper")};
  return r;
}

// ... and is now in fx_helper out of line, a direct call.
inline LibraryReport call_in_helper_out_of_line(const LibraryReport& plain) {
  LibraryReport r = with_caller(plain, "fx_helper");
  SymbolReport& s = edit(r, "fx_direct");
  for (auto& c : s.callers)
    if (r.callers[c.caller] == "fx_direct_cross") c.got = 0;
  CallerSites helper;
  helper.caller = id(r, "fx_helper");
  helper.direct = 1;
  s.callers.push_back(helper);
  return r;
}

}  // namespace scan_helpers
