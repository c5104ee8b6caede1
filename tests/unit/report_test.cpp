// report_test.cpp — the report's text and JSON renderings.
#include "report.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace {

using probe::Symbol;

struct Fixture {
  std::unique_ptr<probe::Totals> totals = std::make_unique<probe::Totals>();
  probe::Settings settings;
  probe::ReportData data;
  Fixture() {
    (*totals)[static_cast<unsigned>(Symbol::malloc)][1] = 5;
    (*totals)[static_cast<unsigned>(Symbol::malloc)][2] = 7;
    (*totals)[static_cast<unsigned>(Symbol::time)][2] = 1;
    settings.backtrace = 4;
    settings.time_offset = -60;
    data.version = "9.9.9";
    data.pid = 1234;
    data.settings = &settings;
    data.totals = totals.get();
    data.objects = {"[unknown]", "/bin/app", "/lib/odd \"name\"\n.so"};
  }
};

TEST(Report, JsonHasEverySymbolCountsPerCallerAndSettings) {
  Fixture f;
  auto j = nlohmann::json::parse(probe::render_json(f.data));
  EXPECT_EQ(j["schema"], 1);
  EXPECT_EQ(j["tool"], "interprobe-probe");
  EXPECT_EQ(j["version"], "9.9.9");
  EXPECT_EQ(j["pid"], 1234);
  EXPECT_EQ(j["settings"]["backtrace"], 4);
  EXPECT_EQ(j["settings"]["time_offset"], -60);
  ASSERT_EQ(j["symbols"].size(), probe::kNumSymbols);
  auto& malloc_entry = j["symbols"][0];
  EXPECT_EQ(malloc_entry["name"], "malloc");
  EXPECT_EQ(malloc_entry["total"], 12);
  ASSERT_EQ(malloc_entry["callers"].size(), 2u);
  EXPECT_EQ(malloc_entry["callers"][0]["object"], "/lib/odd \"name\"\n.so") << "largest first";
  EXPECT_EQ(malloc_entry["callers"][0]["count"], 7);
  EXPECT_EQ(j["symbols"][1]["name"], "free");
  EXPECT_EQ(j["symbols"][1]["total"], 0);
}

TEST(Report, JsonStaysValidForNonUtf8Paths) {
  Fixture f;
  f.data.objects[1] = std::string("/bin/\xff\xfe");
  auto j = nlohmann::json::parse(probe::render_json(f.data), nullptr, false);
  ASSERT_FALSE(j.is_discarded());
}

TEST(Report, TextListsCallersAndWhatWasNotCalled) {
  Fixture f;
  std::string t = probe::render_text(f.data);
  EXPECT_NE(t.find("pid 1234"), std::string::npos) << t;
  EXPECT_NE(t.find("/bin/app"), std::string::npos) << t;
  EXPECT_NE(t.find("not called: free"), std::string::npos) << t;
}

TEST(Report, StacksAreReported) {
  Fixture f;
  f.data.stacks.push_back({Symbol::malloc, 3, {{0x1234, "/bin/app", "main", 0x10}}});
  auto j = nlohmann::json::parse(probe::render_json(f.data));
  ASSERT_EQ(j["stacks"].size(), 1u);
  EXPECT_EQ(j["stacks"][0]["symbol"], "malloc");
  EXPECT_EQ(j["stacks"][0]["frames"][0]["function"], "main");
  EXPECT_EQ(j["stacks"][0]["frames"][0]["address"], "0x1234");
}

}  // namespace
