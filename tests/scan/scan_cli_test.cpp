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

std::string victim(const std::string& v) {
  return std::string(TEST_VARIANTS) + "/" + v + "/libvictim.so.1";
}

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

// A symbol name is whatever bytes .dynstr holds. A copy of a victim whose `victim_use_const` is
// renamed, same length, to "victim" 0xFF 0x01 "se_const" (not UTF-8, and a control character),
// in every string table: JSON must stay valid (the byte that is not UTF-8 becomes U+FFFD; the
// default nlohmann handler threw and aborted the process), the terminal and Markdown get \x01.
TEST(ScanCli, NamesWithAnyBytesKeepEveryFormatValid) {
  std::ifstream in(victim("gcc-O2"), std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), {}};
  const std::string from = "victim_use_const", to = "victim\xff\x01se_const";
  std::size_t renamed = 0;
  for (std::size_t at = bytes.find(from); at != std::string::npos; at = bytes.find(from, at)) {
    bytes.replace(at, from.size(), to);
    ++renamed;
  }
  ASSERT_GE(renamed, 2u) << ".dynstr and .strtab";
  const std::string odd = scratch_dir().string() + "/libodd.so";
  std::ofstream(odd, std::ios::binary) << bytes;

  auto json = cmd({"scan", "--json", odd});
  ASSERT_EQ(json.exit_status, 0) << json.err;
  auto j = nlohmann::json::parse(json.out);
  bool found = false;
  for (auto& s : j["libraries"][0]["symbols"]) found |= s["name"] == "victim\uFFFD\u0001se_const";
  EXPECT_TRUE(found) << json.out;

  auto text = cmd({"scan", odd});
  ASSERT_EQ(text.exit_status, 0) << text.err;
  EXPECT_NE(text.out.find("victim\xff\\x01se_const"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find('\x01'), std::string::npos)
      << "a raw control character reached the terminal";
  auto md = cmd({"scan", "--markdown", odd});
  ASSERT_EQ(md.exit_status, 0) << md.err;
  EXPECT_EQ(md.out.find('\x01'), std::string::npos) << md.out;

  auto diff = cmd({"diff", "--json", victim("gcc-O2"), odd});
  ASSERT_EQ(diff.exit_status, 0) << diff.err;
  auto d = nlohmann::json::parse(diff.out);
  EXPECT_EQ(d["removed"], nlohmann::json::array({"victim_use_const"})) << diff.out;
  EXPECT_EQ(d["added"], nlohmann::json::array({"victim\uFFFD\u0001se_const"})) << diff.out;
}

}  // namespace
