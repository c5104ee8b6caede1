// object_map_test.cpp — address -> object attribution, stable ids, and the loader's view.
#include "object_map.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using probe::ObjectMap;
using probe::Segment;

TEST(ObjectMap, EmptyMapKnowsNothing) {
  auto m = std::make_unique<ObjectMap>();
  EXPECT_EQ(m->lookup(0x1000), probe::kUnknownObject);
  EXPECT_EQ(m->object_name(probe::kUnknownObject), "[unknown]");
}

TEST(ObjectMap, FindsTheContainingRangeAndNothingOutside) {
  auto m = std::make_unique<ObjectMap>();
  std::vector<Segment> segs = {{0x3000, 0x4000, "/lib/b.so"}, {0x1000, 0x2000, "/bin/app"},
                               {0x5000, 0x5100, "/lib/b.so"}};
  ASSERT_TRUE(m->refresh(segs));
  auto app = m->lookup(0x1000), b = m->lookup(0x3fff);
  EXPECT_EQ(m->object_name(app), "/bin/app");
  EXPECT_EQ(m->object_name(b), "/lib/b.so");
  EXPECT_EQ(m->lookup(0x50ff), b) << "two ranges of one object share its id";
  EXPECT_EQ(m->lookup(0x1fff), app);
  for (std::uintptr_t a : {std::uintptr_t{0x0}, std::uintptr_t{0xfff}, std::uintptr_t{0x2000},
                           std::uintptr_t{0x2fff}, std::uintptr_t{0x4000}, std::uintptr_t{0x5100},
                           ~std::uintptr_t{0}})
    EXPECT_EQ(m->lookup(a), probe::kUnknownObject) << std::hex << a;
}

TEST(ObjectMap, IdsSurviveReloadAtAnotherAddress) {
  auto m = std::make_unique<ObjectMap>();
  std::vector<Segment> first = {{0x1000, 0x2000, "/bin/app"}, {0x3000, 0x4000, "/lib/v.so"}};
  ASSERT_TRUE(m->refresh(first));
  auto v = m->lookup(0x3000);
  std::vector<Segment> unloaded = {{0x1000, 0x2000, "/bin/app"}};
  ASSERT_TRUE(m->refresh(unloaded));
  EXPECT_EQ(m->lookup(0x3000), probe::kUnknownObject) << "unloaded ranges are forgotten";
  std::vector<Segment> reloaded = {{0x1000, 0x2000, "/bin/app"}, {0x9000, 0xa000, "/lib/v.so"}};
  ASSERT_TRUE(m->refresh(reloaded));
  EXPECT_EQ(m->lookup(0x9000), v) << "same path, same id: counts accumulate across dlclose";
  EXPECT_EQ(m->object_count(), 3u);  // [unknown], app, v
}

TEST(ObjectMap, GenerationAdvancesOnEveryRefresh) {
  auto m = std::make_unique<ObjectMap>();
  auto g = m->generation();
  std::vector<Segment> none;
  ASSERT_TRUE(m->refresh(none));
  EXPECT_EQ(m->generation(), g + 1);
}

TEST(ObjectMap, MoreObjectsThanIdsCountAsUnknown) {
  auto m = std::make_unique<ObjectMap>();
  std::vector<std::string> names;
  std::vector<Segment> segs;
  for (std::size_t i = 0; i < probe::kMaxObjects + 10; ++i) names.push_back("/lib/l" + std::to_string(i));
  for (std::size_t i = 0; i < names.size(); ++i) segs.push_back({0x1000 * (i + 1), 0x1000 * (i + 1) + 0x10, names[i]});
  ASSERT_TRUE(m->refresh(segs));
  EXPECT_EQ(m->object_count(), probe::kMaxObjects);
  EXPECT_NE(m->lookup(0x1000), probe::kUnknownObject);
  EXPECT_EQ(m->lookup(0x1000 * (probe::kMaxObjects + 5)), probe::kUnknownObject);
}

int local_function() { return 42; }

TEST(ObjectMap, LoaderViewAttributesOurOwnCodeToTheExecutable) {
  auto m = std::make_unique<ObjectMap>();
  char exe[4096] = {};
  ASSERT_GT(readlink("/proc/self/exe", exe, sizeof exe - 1), 0);
  ASSERT_TRUE(m->refresh_from_loader(exe));
  auto id = m->lookup(reinterpret_cast<std::uintptr_t>(&local_function));
  EXPECT_EQ(m->object_name(id), exe);
  auto libc = m->lookup(reinterpret_cast<std::uintptr_t>(&getpid));
  EXPECT_NE(m->object_name(libc).find("libc.so"), std::string_view::npos)
      << m->object_name(libc);
}

}  // namespace

namespace {

// A miss learns the object that contains the address from glibc (_dl_find_object), without a
// full refresh. The map starts with one made-up object only, so libz is certainly not in it.
TEST(ObjectMap, LearnsAnObjectMissingFromTheMap) {
  auto m = std::make_unique<probe::ObjectMap>();
  std::vector<Segment> only_one = {{0x1000, 0x2000, "/bin/made-up"}};
  ASSERT_TRUE(m->refresh(only_one));
  void* h = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr) << dlerror();
  auto addr = reinterpret_cast<std::uintptr_t>(dlsym(h, "crc32"));
  ASSERT_NE(addr, 0u);
  ASSERT_EQ(m->lookup(addr), probe::kUnknownObject);
  auto id = m->learn(addr, "/proc/self/exe");
  ASSERT_TRUE(id.has_value());
  EXPECT_NE(m->object_name(*id).find("libz.so"), std::string_view::npos) << m->object_name(*id);
  EXPECT_EQ(m->lookup(addr), *id) << "the range stays in the map";
  EXPECT_EQ(m->object_name(m->lookup(0x1800)), "/bin/made-up") << "other ranges are kept";
  int on_the_stack = 0;
  EXPECT_EQ(m->learn(reinterpret_cast<std::uintptr_t>(&on_the_stack), "x"), probe::kUnknownObject)
      << "a stack address is in no object";
  auto self = m->learn(reinterpret_cast<std::uintptr_t>(&local_function), "/the/executable");
  ASSERT_TRUE(self.has_value());
  EXPECT_EQ(m->object_name(*self), "/the/executable") << "the loader lists the executable as \"\"";
  dlclose(h);
}

}  // namespace
