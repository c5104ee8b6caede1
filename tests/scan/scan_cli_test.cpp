// scan_cli_test.cpp — `interprobe scan` and `interprobe diff` as a user runs them: formats, exit
// statuses, and one stderr line per bad file while the good files are still reported.
#include <gtest/gtest.h>

#include <filesystem>
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

// An executable is not a library: its own definitions come first in the lookup order, so no
// preload overrides them. `scan`, `diff`, `shim`, `run --shim-for` and `check` refuse one with
// the same message and exit 2 (on main all but check answered, exit 0); `scan --allow-pie` reads
// it anyway; in a directory one is skipped and counted.
TEST(ScanCli, AnExecutableIsRefusedEverywhereWithTheSameMessage) {
  const std::string exe = "/bin/ls", why = ": is an executable (PIE), not a shared library";
  auto scan = cmd({"scan", exe});
  EXPECT_EQ(scan.exit_status, 2);
  EXPECT_EQ(scan.err, "interprobe scan: " + exe + why + " (--allow-pie reads it anyway)\n");
  EXPECT_EQ(scan.out, "");
  auto diff = cmd({"diff", victim("gcc-O2"), exe});
  EXPECT_EQ(diff.exit_status, 2);
  EXPECT_EQ(diff.err, "interprobe diff: " + exe + why + "\n");
  auto shim =
      cmd({"shim", "--lib", exe, "--all-exported", "-o", (scratch_dir() / "ls-shim.so").string()});
  EXPECT_EQ(shim.exit_status, 2);
  EXPECT_EQ(shim.err, "interprobe shim: library '" + exe + "'" + why + "\n");
  auto run = cmd({"run", "--shim-for", exe, "--", "true"});
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_EQ(run.err, "interprobe run: --shim-for '" + exe + "'" + why + "\n");
  auto check = cmd({"check", "--library", exe, "--symbols", "main", "--expect", "bound"});
  EXPECT_EQ(check.exit_status, 2);
  EXPECT_EQ(check.err, "interprobe check: library '" + exe + "'" + why + "\n");

  auto allowed = cmd({"scan", "--allow-pie", "--summary", exe});
  EXPECT_EQ(allowed.exit_status, 0) << allowed.err;
  EXPECT_NE(allowed.out.find(exe), std::string::npos) << allowed.out;
}

TEST(ScanCli, ExecutablesInADirectoryAreSkippedAndCounted) {
  const auto dir = scratch_dir() / "scan_pie_dir";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(victim("gcc-O2"), dir / "libvictim.so.1");
  std::filesystem::copy_file("/bin/ls", dir / "libls.so.1");  // named like a library
  auto r = cmd({"scan", "--summary", dir.string()});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_NE(r.out.find("libvictim.so.1"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("libls.so.1"), std::string::npos) << r.out;
  EXPECT_EQ(r.err,
            "interprobe scan: skipped 1 executable(s) (PIE) named like libraries in the "
            "directories; name one with --allow-pie to read it\n");
  std::filesystem::remove_all(dir);
}

// A file cut short is "truncated", not "no section headers (sstrip'ed ...)" as on main.
TEST(ScanCli, ATruncatedLibraryIsCalledTruncated) {
  std::ifstream in(TEST_ZLIB_SO, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), {}};
  ASSERT_GT(bytes.size(), 50000u);
  const std::string cut = (scratch_dir() / "libz-cut.so.1").string();
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, 50000);  // head -c 50000
  auto r = cmd({"scan", cut});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.err.rfind("interprobe scan: " + cut + ": truncated: the section header table", 0), 0u)
      << r.err;
}

// Two libraries with different SONAMEs: a warning, then the usual comparison; with no exported
// name in common (on main: an empty diff, exit 0, "nothing lost") there is nothing to compare.
TEST(ScanCli, DiffWarnsAboutDifferentSonamesAndRefusesUnrelatedLibraries) {
  auto unrelated = cmd({"diff", victim("gcc-O2"), TEST_ZLIB_SO});
  EXPECT_EQ(unrelated.exit_status, 2) << unrelated.out;
  EXPECT_NE(unrelated.err.find("interprobe diff: warning: the SONAMEs differ"), std::string::npos)
      << unrelated.err;
  EXPECT_NE(unrelated.err.find("export no symbol of the same name: not two builds of one library"),
            std::string::npos)
      << unrelated.err;
  // The next major version: libvictim.so.2 (the SONAME's bytes patched in place).
  std::ifstream in(victim("gcc-Bsymbolic-functions"), std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), {}};
  const auto at = bytes.find(std::string("libvictim.so.1\0", 15));
  ASSERT_NE(at, std::string::npos);
  bytes[at + 13] = '2';
  const std::string next = (scratch_dir() / "libvictim.so.2").string();
  std::ofstream(next, std::ios::binary) << bytes;
  auto bumped = cmd({"diff", victim("gcc-O2"), next});
  EXPECT_EQ(bumped.exit_status, 1) << bumped.err;
  EXPECT_EQ(bumped.err, "interprobe diff: warning: the SONAMEs differ (" + victim("gcc-O2") +
                            " has 'libvictim.so.1', " + next +
                            " has 'libvictim.so.2'): comparing the symbols they share by name\n");
  EXPECT_EQ(cmd({"diff", victim("gcc-O2"), victim("gcc-O2-nosi")}).err, "") << "same SONAME";
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
