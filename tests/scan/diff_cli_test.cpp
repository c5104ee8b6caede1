// diff_cli_test.cpp — `interprobe diff` with a saved scan as OLD (the release's baseline) and
// --accept (known losses), as a packager's check runs them, on the victim's default build against
// its -fno-semantic-interposition build: exit statuses, what each form lists, one line per bad
// input. Packages as inputs: tests/scan/package_test.cpp.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"
#include "scratch.hpp"

namespace {

using nlohmann::json;

using cli_helpers::cmd;
using cli_helpers::victim;

std::string written(const std::string& name, const std::string& text) {
  const std::string path = (scratch_dir() / name).string();
  std::ofstream(path) << text;
  return path;
}

// The names diff --json lists as lost, gcc-O2 -> gcc-O2-nosi (five: tests/scan/scan_unit_test.cpp
// says why each).
std::vector<std::string> lost_names() {
  auto r = cmd({"diff", "--json", victim("gcc-O2"), victim("gcc-O2-nosi")});
  EXPECT_EQ(r.exit_status, 1) << r.err;
  const json j = json::parse(r.out);
  std::vector<std::string> names;
  for (auto& c : j["libraries"][0]["lost"]) names.push_back(c["name"]);
  EXPECT_EQ(names.size(), 5u) << r.out;
  return names;
}

TEST(DiffCli, ASavedScanDiffsCleanAgainstItsBuildAndLikeItsBuildAgainstAnother) {
  auto scan = cmd({"scan", "--json", victim("gcc-O2")});
  ASSERT_EQ(scan.exit_status, 0) << scan.err;
  const std::string base = written("baseline.json", scan.out);
  auto same = cmd({"diff", base, victim("gcc-O2")});
  EXPECT_EQ(same.exit_status, 0) << same.out << same.err;
  EXPECT_NE(
      same.out.find("OLD " + base +
                    " (saved scan by interprobe " INTERPROBE_TEST_VERSION ", 1 shared library)\n"),
      std::string::npos)
      << same.out;
  EXPECT_NE(same.out.find("LD_PRELOAD users lose 0 symbol(s)"), std::string::npos) << same.out;

  auto from_saved = cmd({"diff", "--json", base, victim("gcc-O2-nosi")});
  auto from_file = cmd({"diff", "--json", victim("gcc-O2"), victim("gcc-O2-nosi")});
  EXPECT_EQ(from_saved.exit_status, 1) << from_saved.err;
  json a = json::parse(from_saved.out), b = json::parse(from_file.out);
  EXPECT_EQ(a["old"]["kind"], "scan-json");
  EXPECT_EQ(a["old"]["saved_by"], INTERPROBE_TEST_VERSION);
  // The library entry names the file the scan was made from, with its build ID: the same entry.
  EXPECT_EQ(a["libraries"], b["libraries"]);
  EXPECT_EQ(a["libraries"][0]["old"]["file"], victim("gcc-O2"));
  EXPECT_EQ(a["libraries"][0]["old"]["build_id"].get<std::string>().size(), 40u);
  EXPECT_EQ(a["summary"]["lost"], 5);
}

TEST(DiffCli, ASavedScanIsOldOnlyAndOfThisVersion) {
  const std::string base = written("base.json", cmd({"scan", "--json", victim("gcc-O2")}).out);
  auto as_new = cmd({"diff", victim("gcc-O2"), base});
  EXPECT_EQ(as_new.exit_status, 2);
  EXPECT_EQ(as_new.err.rfind("interprobe diff: " + base + ": a saved scan can only be OLD", 0), 0u)
      << as_new.err;
  const std::string v2 =
      written("v2.json", R"({"format": "interprobe-scan", "version": 2, "libraries": []})");
  auto old_version = cmd({"diff", v2, victim("gcc-O2")});
  EXPECT_EQ(old_version.exit_status, 2);
  EXPECT_EQ(old_version.err,
            "interprobe diff: " + v2 +
                ": a saved scan of version 2, which this interprobe does not read (it reads "
                "version 3: scan the old build again with this interprobe)\n");
  EXPECT_EQ(old_version.out, "");
  auto scanned = cmd({"scan", base});
  EXPECT_EQ(scanned.exit_status, 2);
  EXPECT_EQ(scanned.err, "interprobe scan: " + base +
                             ": a saved scan (JSON), not a library: `interprobe diff` reads it as "
                             "OLD\n");
}

TEST(DiffCli, AcceptingEveryLostSymbolExitsZeroAndListsThemAsWaived) {
  std::string lines = "# known losses of the nosi build\n\n";
  for (const std::string& n : lost_names()) lines += n + "   # bound since 2.0, see NEWS\n";
  const std::string accept = written("accept-all", lines);
  auto text = cmd({"diff", "--accept", accept, victim("gcc-O2"), victim("gcc-O2-nosi")});
  EXPECT_EQ(text.exit_status, 0) << text.out << text.err;
  EXPECT_EQ(text.err, "");
  EXPECT_NE(text.out.find("LD_PRELOAD users lose 0 symbol(s)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Waived: 5 lost symbol(s) accepted as known losses (--accept):\n"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("      waived by line 3 `"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(": bound since 2.0, see NEWS\n"), std::string::npos) << text.out;

  auto j = json::parse(
      cmd({"diff", "--json", "--accept", accept, victim("gcc-O2"), victim("gcc-O2-nosi")}).out);
  EXPECT_EQ(j["summary"]["lost"], 0);
  EXPECT_EQ(j["summary"]["waived"], 5);
  EXPECT_EQ(j["status"], 0);
  EXPECT_EQ(j["libraries"][0]["waived"].size(), 5u);
  EXPECT_EQ(j["libraries"][0]["waived"][0]["waiver"]["reason"], "bound since 2.0, see NEWS");
  EXPECT_EQ(j["accept"]["stale"], json::array());

  auto md =
      cmd({"diff", "--markdown", "--accept", accept, victim("gcc-O2"), victim("gcc-O2-nosi")});
  EXPECT_EQ(md.exit_status, 0);
  EXPECT_NE(md.out.find("No symbol lost but those accepted below.\n\n5 symbol(s) lost, accepted "
                        "as known losses"),
            std::string::npos)
      << md.out;
  EXPECT_NE(md.out.find("| bound since 2.0, see NEWS |"), std::string::npos) << md.out;

  // One glob does the same; one symbol left out still fails.
  EXPECT_EQ(cmd({"diff", "--accept", written("glob", "victim_*\n"), victim("gcc-O2"),
                 victim("gcc-O2-nosi")})
                .exit_status,
            0);
  std::vector<std::string> names = lost_names();
  std::string four;
  for (std::size_t i = 1; i < names.size(); ++i) four += names[i] + "\n";
  auto one_left = cmd({"diff", "--json", "--accept", written("four", four), victim("gcc-O2"),
                       victim("gcc-O2-nosi")});
  EXPECT_EQ(one_left.exit_status, 1);
  auto k = json::parse(one_left.out);
  EXPECT_EQ(k["summary"]["lost"], 1);
  EXPECT_EQ(k["libraries"][0]["lost"][0]["name"], names[0]);
}

TEST(DiffCli, StaleWaiversAreReportedAndBadOnesRefused) {
  const std::string accept =
      written("stale", "victim_*  # the nosi build\nvictim_gone  # removed in 1.1\n");
  auto same = cmd({"diff", "--accept", accept, victim("gcc-O2"), victim("gcc-O2")});
  EXPECT_EQ(same.exit_status, 0) << same.err;  // stale waivers are a warning, not a failure
  EXPECT_EQ(same.err, "interprobe diff: warning: " + accept +
                          ":1: stale waiver 'victim_*': no lost symbol matches it\n"
                          "interprobe diff: warning: " +
                          accept + ":2: stale waiver 'victim_gone': no lost symbol matches it\n");
  EXPECT_NE(same.out.find("Stale waivers in " + accept), std::string::npos) << same.out;
  EXPECT_NE(same.out.find("  line 2: victim_gone  # removed in 1.1\n"), std::string::npos)
      << same.out;
  auto partly =
      cmd({"diff", "--json", "--accept", accept, victim("gcc-O2"), victim("gcc-O2-nosi")});
  EXPECT_EQ(partly.exit_status, 0);
  auto j = json::parse(partly.out);
  ASSERT_EQ(j["accept"]["stale"].size(), 1u);
  EXPECT_EQ(j["accept"]["stale"][0]["line"], 2);

  const std::string bad = written("bad", "victim_ok\nvictim_a victim_b\n");
  auto refused = cmd({"diff", "--accept", bad, victim("gcc-O2"), victim("gcc-O2-nosi")});
  EXPECT_EQ(refused.exit_status, 2);
  EXPECT_EQ(refused.err, "interprobe diff: " + bad +
                             ": line 2: 'victim_a victim_b' is more than one word: one symbol "
                             "name or glob a line, then an optional # reason\n");
  EXPECT_EQ(refused.out, "");
  auto missing =
      cmd({"diff", "--accept", "/nonexistent/accept", victim("gcc-O2"), victim("gcc-O2-nosi")});
  EXPECT_EQ(missing.exit_status, 2);
  EXPECT_EQ(missing.err, "interprobe diff: /nonexistent/accept: cannot open the waiver file\n");
}

}  // namespace
