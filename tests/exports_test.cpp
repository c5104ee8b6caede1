// exports_test.cpp — libprobe.so exports exactly its hooks: the installed one the names in
// preload/core/symbols.def (and dlopen, dlsym on x86-64), no victim_* (the specimen's hooks are
// test-only); the test-only one (victim/probe/) those plus victim/probe/specimen.def's and the
// victim's overridden variable.
// Anything else (a static libstdc++'s __cxa_*, std::string's template instances) would interpose
// on the host's own definitions.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "exec.hpp"

namespace {

using namespace interprobe;

std::set<std::string> listed_in(const std::string& def_file) {
  std::set<std::string> names;
  std::ifstream def(std::string(TEST_SOURCE_DIR) + "/" + def_file);
  std::regex entry(R"(^PROBE_SYMBOL\((\w+),)");
  for (std::string line; std::getline(def, line);)
    if (std::smatch m; std::regex_search(line, m, entry)) names.insert(m[1]);
  return names;
}

std::set<std::string> exported_by(const char* module) {
  auto r = exec({"nm", "-D", "--defined-only", module}, current_environment());
  EXPECT_EQ(r.exit_status, 0) << r.err;
  std::set<std::string> exported;
  std::istringstream in(r.out);
  for (std::string addr, type, name; in >> addr >> type >> name;) exported.insert(name);
  return exported;
}

// dlopen and dlsym too, on x86-64: PROBE_BYPASS's safe points, which jump on to glibc's with the
// caller intact (preload/runtime/dl_points.hpp; tests/bypass_test.cpp DlopenAndDlsymKeepTheCaller).
void add_dl_points(std::set<std::string>& names) {
#if defined(__x86_64__)
  names.insert({"dlopen", "dlsym"});
#endif
}

TEST(ProbeExports, OnlyTheHooks) {
  std::set<std::string> hooks = listed_in("preload/core/symbols.def");
  ASSERT_GT(hooks.size(), 10u);
  add_dl_points(hooks);
  EXPECT_EQ(exported_by(TEST_INSTALLED_PROBE), hooks);
}

TEST(ProbeExports, TheTestOnlyProbeAddsTheSpecimensHooks) {
  std::set<std::string> expected = listed_in("preload/core/symbols.def");
  const std::set<std::string> specimen = listed_in("victim/probe/specimen.def");
  ASSERT_EQ(specimen.size(), 6u);
  expected.insert(specimen.begin(), specimen.end());
  expected.insert("victim_exported_var");
  add_dl_points(expected);
  EXPECT_EQ(exported_by(TEST_PROBE), expected);
}

}  // namespace
