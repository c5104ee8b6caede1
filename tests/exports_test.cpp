// exports_test.cpp — libprobe.so exports exactly its hooks: the names in symbols.def plus the
// victim's overridden variable. Anything else (a static libstdc++'s __cxa_*, std::string's
// template instances) would interpose on the host's own definitions.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "exec.hpp"

namespace {

using namespace interprobe;

TEST(ProbeExports, OnlyTheHooks) {
  std::set<std::string> expected = {"victim_exported_var"};
  std::ifstream def(std::string(TEST_SOURCE_DIR) + "/preload/core/symbols.def");
  std::regex entry(R"(^PROBE_SYMBOL\((\w+),)");
  for (std::string line; std::getline(def, line);)
    if (std::smatch m; std::regex_search(line, m, entry)) expected.insert(m[1]);
  ASSERT_GT(expected.size(), 10u);

  auto r = exec({"nm", "-D", "--defined-only", TEST_PROBE}, current_environment());
  ASSERT_EQ(r.exit_status, 0) << r.err;
  std::set<std::string> exported;
  std::istringstream in(r.out);
  for (std::string addr, type, name; in >> addr >> type >> name;) exported.insert(name);
  EXPECT_EQ(exported, expected);
}

}  // namespace
