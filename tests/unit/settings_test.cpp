// settings_test.cpp — PROBE_* parsing: good values, and one clear message per bad one.
#include "settings.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <string>

namespace {

std::map<std::string, std::string> g_env;
const char* fake_getenv(const char* name) {
  auto it = g_env.find(name);
  return it == g_env.end() ? nullptr : it->second.c_str();
}

probe::Settings parse(std::map<std::string, std::string> env, probe::Notices& m,
                      bool secure = false) {
  g_env = std::move(env);
  return probe::parse_settings(fake_getenv, secure, m);
}

TEST(Settings, DefaultsWhenNothingIsSet) {
  probe::Notices m;
  auto s = parse({}, m);
  EXPECT_EQ(s.backtrace, 0u);
  EXPECT_EQ(s.time_offset, 0);
  EXPECT_EQ(s.format, probe::Format::text);
  EXPECT_STREQ(s.report_path, "");
  EXPECT_EQ(m.count(), 0u);
}

TEST(Settings, ParsesGoodValues) {
  probe::Notices m;
  auto s = parse({{"PROBE_BACKTRACE", "16"}, {"PROBE_TIME_OFFSET", "-3600"},
                  {"PROBE_FORMAT", "json"}, {"PROBE_REPORT", "/tmp/r.%p.json"}}, m);
  EXPECT_EQ(s.backtrace, 16u);
  EXPECT_EQ(s.time_offset, -3600);
  EXPECT_EQ(s.format, probe::Format::json);
  EXPECT_STREQ(s.report_path, "/tmp/r.%p.json");
  EXPECT_EQ(m.count(), 0u);
}

struct BadValue {
  const char* var;
  const char* value;
};

class SettingsBadValue : public testing::TestWithParam<BadValue> {};

TEST_P(SettingsBadValue, OneMessageNamingVariableAndValueAndDefaultKept) {
  probe::Notices m;
  auto s = parse({{GetParam().var, GetParam().value}}, m);
  ASSERT_EQ(m.count(), 1u);
  std::string msg = m.text(0);
  EXPECT_NE(msg.find(GetParam().var), std::string::npos) << msg;
  EXPECT_NE(msg.find(std::string("'") + GetParam().value + "'"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line only: " << msg;
  EXPECT_EQ(s.backtrace, 0u);
  EXPECT_EQ(s.time_offset, 0);
  EXPECT_EQ(s.format, probe::Format::text);
  EXPECT_STREQ(s.report_path, "");
}

INSTANTIATE_TEST_SUITE_P(
    Values, SettingsBadValue,
    testing::Values(BadValue{"PROBE_BACKTRACE", ""}, BadValue{"PROBE_BACKTRACE", "lots"},
                    BadValue{"PROBE_BACKTRACE", "-1"}, BadValue{"PROBE_BACKTRACE", "65"},
                    BadValue{"PROBE_BACKTRACE", "99999999999999999999999"},
                    BadValue{"PROBE_BACKTRACE", "8 "}, BadValue{"PROBE_TIME_OFFSET", ""},
                    BadValue{"PROBE_TIME_OFFSET", "1h"}, BadValue{"PROBE_TIME_OFFSET", "1e9"},
                    BadValue{"PROBE_TIME_OFFSET", "9223372036854775807"},
                    BadValue{"PROBE_FORMAT", "JSON"}, BadValue{"PROBE_FORMAT", ""},
                    BadValue{"PROBE_REPORT", ""}),
    [](const testing::TestParamInfo<BadValue>& i) { return std::to_string(i.index); });

TEST(Settings, LongestAcceptedValuesAreKept) {
  probe::Notices m;
  auto s = parse({{"PROBE_BACKTRACE", "64"}, {"PROBE_TIME_OFFSET", "-3162240000"}}, m);
  EXPECT_EQ(s.backtrace, 64u);
  EXPECT_EQ(s.time_offset, -3162240000LL);
  EXPECT_EQ(m.count(), 0u);
}

TEST(Settings, SecureExecutionIgnoresTheReportPath) {
  probe::Notices m;
  auto s = parse({{"PROBE_REPORT", "/etc/passwd"}}, m, /*secure=*/true);
  EXPECT_TRUE(s.secure);
  EXPECT_STREQ(s.report_path, "");
  ASSERT_EQ(m.count(), 1u);
  EXPECT_NE(std::string(m.text(0)).find("secure-execution"), std::string::npos);
}

TEST(Settings, ReportSignalAcceptsOnlyTheUserSignals) {
  for (const char* ok : {"USR2", "SIGUSR2", "usr2", "12"}) {
    probe::Notices m;
    EXPECT_EQ(parse({{"PROBE_REPORT_SIGNAL", ok}}, m).report_signal, SIGUSR2) << ok;
    EXPECT_EQ(m.count(), 0u) << ok;
  }
  probe::Notices m1;
  EXPECT_EQ(parse({{"PROBE_REPORT_SIGNAL", "SIGUSR1"}}, m1).report_signal, SIGUSR1);
  for (const char* bad : {"", "SEGV", "9", "-12", "USR3", "99999999999999999999", "USR2 "}) {
    probe::Notices m;
    EXPECT_EQ(parse({{"PROBE_REPORT_SIGNAL", bad}}, m).report_signal, 0) << bad;
    ASSERT_EQ(m.count(), 1u) << bad;
    EXPECT_NE(std::string(m.text(0)).find("PROBE_REPORT_SIGNAL"), std::string::npos);
  }
}

TEST(Settings, ReportPathTooLongFallsBackToStderr) {
  probe::Notices m;
  auto s = parse({{"PROBE_REPORT", std::string(5000, 'x')}}, m);
  EXPECT_STREQ(s.report_path, "");
  EXPECT_EQ(m.count(), 1u);
}

}  // namespace

namespace {

TEST(Settings, ReportAsIsShownInsteadOfTheReportPath) {
  probe::Notices m;
  auto s = parse({{"PROBE_REPORT", "/tmp/d/report.%p"}, {"PROBE_REPORT_AS", ""}}, m);
  EXPECT_TRUE(s.report_as_set) << "set but empty: the user's report is on stderr";
  EXPECT_STREQ(s.report_as, "");
  EXPECT_STREQ(s.report_path, "/tmp/d/report.%p");
  probe::Notices m2;
  EXPECT_FALSE(parse({{"PROBE_REPORT", "/tmp/r"}}, m2).report_as_set);
  EXPECT_EQ(m.count() + m2.count(), 0u);
}

}  // namespace
