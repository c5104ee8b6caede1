// report_test.cpp — the report's text and JSON renderings.
// Built with the test-only symbol set (unit_tests link probe_core_specimen): the specimen's victim
// family is the one family bound to a library (listed only where libvictim.so.1 was seen).
#include "report.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

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

std::size_t non_victim_symbols() {
  std::size_t n = 0;
  for (auto f : probe::kSymbolFamilies) n += f != probe::Family::victim;
  return n;
}

TEST(Report, JsonHasEverySymbolCountsPerCallerAndSettings) {
  Fixture f;
  auto j = nlohmann::json::parse(probe::render_json(f.data));
  EXPECT_EQ(j["schema"], 1);
  EXPECT_EQ(j["tool"], "interprobe-probe");
  EXPECT_EQ(j["version"], "9.9.9");
  EXPECT_EQ(j["pid"], 1234);
  EXPECT_EQ(j["settings"]["backtrace"], 4);
  EXPECT_EQ(j["settings"]["time_offset"], -60);
  // No victim library among the objects and no victim call: the victim family is not listed.
  ASSERT_EQ(j["symbols"].size(), non_victim_symbols());
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

TEST(Report, VictimSymbolsOnlyWhereTheVictimIsLoaded) {
  Fixture f;
  auto names = [](const nlohmann::json& j) {
    std::set<std::string> v;
    for (auto& s : j["symbols"]) v.insert(s["name"].get<std::string>());
    return v;
  };
  EXPECT_FALSE(
      names(nlohmann::json::parse(probe::render_json(f.data))).count("victim_err_occurred"));
  EXPECT_EQ(probe::render_text(f.data).find("victim_"), std::string::npos);
  f.data.objects.push_back("/build/victim/variants/gcc-O2/libvictim.so.1");
  auto j = nlohmann::json::parse(probe::render_json(f.data));
  EXPECT_EQ(j["symbols"].size(), probe::kNumSymbols) << "loaded: every symbol, called or not";
  EXPECT_TRUE(names(j).count("victim_err_occurred"));
  Fixture g;  // a call from an object since unloaded and renamed: the call itself says so
  (*g.totals)[static_cast<unsigned>(Symbol::victim_weak_fn)][1] = 2;
  EXPECT_TRUE(names(nlohmann::json::parse(probe::render_json(g.data))).count("victim_weak_fn"));
}

TEST(Report, NamesItsProcessAndCarriesTheNotices) {
  Fixture f;
  f.data.process = {1234, 1200, "ls", "/usr/bin/ls"};
  f.data.notices = {"interprobe: PROBE_FORMAT='xml' is neither 'text' nor 'json'; using text",
                    "interprobe: report file 'r' already exists"};
  auto j = nlohmann::json::parse(probe::render_json(f.data));
  EXPECT_EQ(j["process"]["pid"], 1234);
  EXPECT_EQ(j["process"]["ppid"], 1200);
  EXPECT_EQ(j["process"]["argv0"], "ls");
  EXPECT_EQ(j["process"]["exe"], "/usr/bin/ls");
  ASSERT_EQ(j["notices"].size(), 2u);
  EXPECT_EQ(j["notices"][1], "interprobe: report file 'r' already exists");
  const std::string t = probe::render_text(f.data);
  EXPECT_NE(t.find("\n== process 1234, parent 1200: /usr/bin/ls (argv[0] ls)\n"
                   "interprobe: PROBE_FORMAT='xml'"),
            std::string::npos)
      << t;
}

TEST(Report, SignalReportsSayHowManyRequestsTheyAnswer) {
  Fixture f;
  f.data.trigger = "signal";
  f.data.report_requests = 3;
  EXPECT_EQ(nlohmann::json::parse(probe::render_json(f.data))["report_requests"], 3);
  EXPECT_NE(probe::render_text(f.data).find("— on signal (3 requests)\n"), std::string::npos);
}

TEST(Report, SettingsReportShowsTheUsersPath) {
  Fixture f;
  std::strcpy(f.settings.report_path, "/tmp/.interprobe-x/report.%p.%m");
  EXPECT_EQ(nlohmann::json::parse(probe::render_json(f.data))["settings"]["report"],
            "/tmp/.interprobe-x/report.%p.%m");
  std::strcpy(f.settings.report_as, "out.json");
  f.settings.report_as_set = true;
  EXPECT_EQ(nlohmann::json::parse(probe::render_json(f.data))["settings"]["report"], "out.json");
}

}  // namespace
