// scan_helpers.hpp — what the scanner's unit tests share: the paths of the victim variants and the
// scan fixtures, a scan that must succeed, and lookups of a symbol or a diff entry by name.
#pragma once

#include <gtest/gtest.h>

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

}  // namespace scan_helpers
