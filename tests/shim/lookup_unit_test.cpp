// lookup_unit_test.cpp — the shim runtime's private symbol lookup (core/symbol_lookup.hpp)
// against dlsym(RTLD_NEXT), for every exported function of three real libraries of the machine:
// libc (2,500 functions, versioned names, IFUNCs), libz (a small unversioned-by-default one) and
// libpython (1,500, linked -Bsymbolic-functions). Both are asked from this executable, so both
// search the objects after it; where they disagree, the shim would forward a call elsewhere
// than the loader would have bound it.
#include <Python.h>
#include <dlfcn.h>
#include <elf.h>
#include <gtest/gtest.h>
#include <link.h>
#include <sys/auxv.h>
#include <zlib.h>

#include <string>

#include "elf_symbols.hpp"
#include "symbol_lookup.hpp"

namespace {

void compare_every_function(const std::string& library, std::size_t at_least) {
  const auto symbols = interprobe::shim::read_dynamic_symbols(library).symbols;
  const std::uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
  std::size_t compared = 0, found = 0;
  for (const auto& s : symbols) {
    if (s.section == SHN_UNDEF || (s.type != STT_FUNC && s.type != STT_GNU_IFUNC)) continue;
    ++compared;
    void* expected = dlsym(RTLD_NEXT, s.name.c_str());
    void* got = probe::find_definition(s.name.c_str(), _DYNAMIC, vdso);
    EXPECT_EQ(got, expected) << library << ": " << s.name;
    found += got != nullptr;
  }
  EXPECT_GE(compared, at_least) << library;
  EXPECT_GE(found, at_least) << library << ": dlsym finds them, so must the lookup";
  testing::Test::RecordProperty(library, std::to_string(compared) + " functions compared");
}

TEST(SymbolLookup, AgreesWithDlsymNextForEveryExportedFunctionOfLibc) {
  compare_every_function("/lib/x86_64-linux-gnu/libc.so.6", 2000);
}

TEST(SymbolLookup, AgreesWithDlsymNextForEveryExportedFunctionOfLibz) {
  ASSERT_NE(zlibVersion(), nullptr);  // keeps libz loaded in this process
  compare_every_function(SHIM_ZLIB_SO, 80);
}

TEST(SymbolLookup, AgreesWithDlsymNextForEveryExportedFunctionOfLibpython) {
  ASSERT_NE(Py_GetVersion(), nullptr);  // keeps libpython loaded
  compare_every_function(SHIM_PYTHON_SO, 1000);
}

TEST(SymbolLookup, ResolvesAnIfuncToTheImplementationDlsymChooses) {
  // memcpy is an STT_GNU_IFUNC in glibc: the resolver's choice, not the resolver, is returned.
  void* expected = dlsym(RTLD_NEXT, "memcpy");
  EXPECT_EQ(probe::find_definition("memcpy", _DYNAMIC, getauxval(AT_SYSINFO_EHDR)), expected);
  EXPECT_NE(expected, nullptr);
}

TEST(SymbolLookup, SkipsTheCallerAndTheVdsoAndFindsNothingForAnUnknownName) {
  EXPECT_EQ(probe::find_definition("interprobe_no_such_function", _DYNAMIC, 0), nullptr);
  // The vDSO defines clock_gettime too; dlsym never binds to it, nor does the lookup.
  void* libc = dlsym(RTLD_NEXT, "clock_gettime");
  EXPECT_EQ(probe::find_definition("clock_gettime", _DYNAMIC, getauxval(AT_SYSINFO_EHDR)), libc);
  Dl_info info{};  // libc's, or a sanitizer runtime's interceptor: never the vDSO's
  ASSERT_NE(dladdr(libc, &info), 0);
  EXPECT_EQ(std::string(info.dli_fname).find("vdso"), std::string::npos) << info.dli_fname;
  // A compat-only version (hidden: name@VERSION without @@) is not what an unversioned lookup
  // returns; glibc 2.36 keeps gets only as gets@GLIBC_2.2.5.
  EXPECT_EQ(probe::find_definition("gets", _DYNAMIC, 0), dlsym(RTLD_NEXT, "gets"));
}

}  // namespace
