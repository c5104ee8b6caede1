// scan_cli_test.cpp — `interprobe scan` and `interprobe diff` as a user runs them: formats, exit
// statuses, and one stderr line per bad file while the good files are still reported.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "exec.hpp"
#include "scratch.hpp"

namespace {

using namespace interprobe;

ExecResult cmd(std::vector<std::string> args) {
  args.insert(args.begin(), TEST_INTERPROBE);
  return exec(args, current_environment());
}

std::string victim(const std::string& v) { return std::string(TEST_VARIANTS) + "/" + v + "/libvictim.so.1"; }

TEST(ScanCli, TextJsonAndMarkdown) {
  auto text = cmd({"scan", victim("gcc-O2-nosi")});
  ASSERT_EQ(text.exit_status, 0) << text.err;
  EXPECT_NE(text.out.find("victim_noinline_touch"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("bound internally"), std::string::npos) << text.out;
  EXPECT_TRUE(text.err.empty()) << text.err;  // no progress bar: stderr is not a terminal

  auto json = cmd({"scan", "--json", victim("gcc-Bsymbolic")});
  ASSERT_EQ(json.exit_status, 0) << json.err;
  auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["format"], "interprobe-scan");
  ASSERT_EQ(j["libraries"].size(), 1u);
  EXPECT_EQ(j["libraries"][0]["facts"]["dt_symbolic"], true);
  EXPECT_EQ(j["libraries"][0]["summary"]["interposable"], 0);

  auto md = cmd({"scan", "--markdown", victim("gcc-O2")});
  ASSERT_EQ(md.exit_status, 0) << md.err;
  EXPECT_NE(md.out.find("| `victim_err_occurred` |"), std::string::npos) << md.out;
}

TEST(ScanCli, BadFilesAreNamedAndGoodOnesStillScanned) {
  std::string bad = scratch_dir().string() + "/not_elf.so";
  std::ofstream(bad) << "hello\n";
  auto r = cmd({"scan", "--summary", bad, victim("gcc-O2"), "/nonexistent.so"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.out.find(victim("gcc-O2")), std::string::npos) << r.out;
  EXPECT_NE(r.err.find(bad + ": not an ELF file\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/nonexistent.so: cannot open"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;
  EXPECT_EQ(cmd({"scan"}).exit_status, 2);  // usage error
}

TEST(ScanCli, DiffSaysWhatLdPreloadUsersLose) {
  auto lose = cmd({"diff", victim("gcc-O2"), victim("gcc-Bsymbolic-functions")});
  EXPECT_EQ(lose.exit_status, 1) << lose.err;
  EXPECT_NE(lose.out.find("victim_err_occurred"), std::string::npos) << lose.out;
  auto j = nlohmann::json::parse(
      cmd({"diff", "--json", victim("gcc-Bsymbolic-functions"), victim("gcc-O2")}).out);
  EXPECT_TRUE(j["lost"].empty());
  EXPECT_FALSE(j["gained"].empty());
  EXPECT_EQ(cmd({"diff", victim("gcc-O2"), victim("gcc-O2")}).exit_status, 0);
  EXPECT_EQ(cmd({"diff", victim("gcc-O2"), "/nonexistent.so"}).exit_status, 2);
}

}  // namespace
