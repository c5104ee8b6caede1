// scan_cli_test.cpp — `interprobe scan` and `interprobe diff` as a user runs them: formats, exit
// statuses, and one stderr line per bad file while the good files are still reported.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

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

std::string fixture(const std::string& kind, const std::string& lib) {
  return std::string(TEST_SCAN_FIXTURES) + "/" + kind + "/" + lib;
}

// The text table's rows (lines starting with two spaces and a symbol name, before the legend).
std::vector<std::string> rows(const std::string& out) {
  std::vector<std::string> r;
  std::istringstream in(out);
  bool table = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("  SYMBOL ", 0) == 0) {
      table = true;
      continue;
    }
    if (line.empty()) table = false;
    if (table && line.rfind("    ", 0) != 0) r.push_back(line);
  }
  return r;
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

// issue 12 item 12: --verdict filters the rows (not the summary), --sort orders them, --callers
// adds a line per caller.
TEST(ScanCli, VerdictFilterSortAndCallers) {
  auto all = cmd({"scan", victim("gcc-O2-nosi")});
  ASSERT_EQ(all.exit_status, 0) << all.err;
  auto bound = cmd({"scan", "--verdict", "bound", "--sort", "name", victim("gcc-O2-nosi")});
  ASSERT_EQ(bound.exit_status, 0) << bound.err;
  const auto r = rows(bound.out);
  ASSERT_FALSE(r.empty()) << bound.out;
  std::vector<std::string> names;
  for (auto& row : r) {
    EXPECT_NE(row.find("bound internally"), std::string::npos) << row;
    names.push_back(row.substr(2, row.find(' ', 2) - 2));
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end())) << bound.out;
  EXPECT_LT(r.size(), rows(all.out).size());
  EXPECT_NE(bound.out.find("of 19 symbols shown (--verdict)"), std::string::npos) << bound.out;
  // The summary still counts every symbol.
  EXPECT_NE(bound.out.find("19 exported:"), std::string::npos) << bound.out;
  auto two = cmd({"scan", "--verdict", "bound,mixed", victim("gcc-O2-nosi")});
  EXPECT_EQ(rows(two.out).size(), r.size());  // no mixed symbol in this variant
  auto sites = cmd({"scan", "--sort", "sites", "--callers", victim("gcc-O2")});
  ASSERT_EQ(sites.exit_status, 0) << sites.err;
  const auto s3 = rows(sites.out);
  ASSERT_FALSE(s3.empty());
  EXPECT_EQ(s3.front().rfind("  victim_err_occurred ", 0), 0u) << sites.out;  // 3 sites, the most
  EXPECT_NE(sites.out.find("from victim_check_result_xtu: PLT/GOT 1"), std::string::npos)
      << sites.out;
  EXPECT_EQ(cmd({"scan", "--verdict", "bond", victim("gcc-O2")}).exit_status, 2);
  EXPECT_EQ(cmd({"scan", "--sort", "size", victim("gcc-O2")}).exit_status, 2);
}

// Colour only when asked or on a terminal without NO_COLOR (no-color.org). `script` (util-linux)
// gives the command a pseudo-terminal.
TEST(ScanCli, ColorOnATerminalUnlessNoColor) {
  EXPECT_EQ(cmd({"scan", victim("gcc-O2-nosi")}).out.find('\x1b'), std::string::npos);
  EXPECT_NE(cmd({"scan", "--color", "always", victim("gcc-O2-nosi")}).out.find("\x1b["),
            std::string::npos);
  auto on_tty = [](bool no_color) {
    Env env = current_environment();
    env.erase("NO_COLOR");
    if (no_color) env["NO_COLOR"] = "1";
    env["TERM"] = "xterm";
    return exec({"script", "-qec", std::string(TEST_INTERPROBE) + " scan " + victim("gcc-O2-nosi"),
                 "/dev/null"},
                env);
  };
  auto tty = on_tty(false);
  ASSERT_TRUE(tty.exited) << tty.describe();
  EXPECT_NE(tty.out.find("\x1b["), std::string::npos) << tty.out;
  auto plain = on_tty(true);
  EXPECT_EQ(plain.out.find("\x1b["), std::string::npos) << plain.out;
  EXPECT_EQ(cmd({"scan", "--color", "sometimes", victim("gcc-O2")}).exit_status, 2);
}

// C++ names are demangled in the table, kept mangled in JSON (with `demangled` beside), and a name
// longer than the column gets a line of its own so that the columns stay aligned.
TEST(ScanCli, CxxNamesDemangledAndColumnsAligned) {
  const std::string lib = fixture("default", "libcxx.so");
  auto text = cmd({"scan", lib});
  ASSERT_EQ(text.exit_status, 0) << text.err;
  const std::string longname =
      "interprobe_fixture::a_rather_long_namespace_name::compute_the_answer_with_a_long_name(int)";
  EXPECT_NE(text.out.find("\n  " + longname + "\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  interprobe_fixture::short_caller(int) "), std::string::npos)
      << text.out;
  // Every row's TYPE column starts where the header's does.
  std::istringstream in(text.out);
  std::size_t type_at = std::string::npos;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("  SYMBOL ", 0) == 0) type_at = line.find("TYPE");
    if (type_at != std::string::npos && line.find(" func ") != std::string::npos) {
      EXPECT_EQ(line.find("func"), type_at) << text.out;
    }
  }
  ASSERT_NE(type_at, std::string::npos) << text.out;
  auto json = cmd({"scan", "--json", lib});
  auto j = nlohmann::json::parse(json.out);
  bool found = false;
  for (auto& s : j["libraries"][0]["symbols"])
    if (s["demangled"] == longname) {
      found = true;
      EXPECT_EQ(s["name"].get<std::string>().rfind("_ZN", 0), 0u) << s.dump();
      EXPECT_EQ(s["got_sites"], 1) << s.dump();  // short_caller's call through the PLT
    }
  EXPECT_TRUE(found) << json.out;
}

TEST(ScanCli, GrandTotalAfterSeveralLibraries) {
  auto one = cmd({"scan", "--summary", victim("gcc-O2")});
  EXPECT_EQ(one.out.find("Total:"), std::string::npos) << one.out;
  auto two = cmd({"scan", "--summary", victim("gcc-O2"), victim("gcc-O2-nosi")});
  EXPECT_NE(two.out.find("Total: 2 libraries, 38 exported:"), std::string::npos) << two.out;
}

// diff's three forms on the victim's nosi build: victim_err_occurred partially lost, with the
// callers that moved; version 2 of the JSON; Markdown for a package's documentation.
TEST(ScanCli, DiffFormsNameThePartiallyLostAccessor) {
  const std::vector<std::string> pair = {victim("gcc-O2"), victim("gcc-O2-nosi")};
  auto text = cmd({"diff", pair[0], pair[1]});
  EXPECT_EQ(text.exit_status, 1) << text.err;
  EXPECT_NE(text.out.find("victim_err_occurred                      partially lost  interposable "
                          "sites 3 -> 1"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("      victim_check_result: PLT/GOT 1 -> 0\n"), std::string::npos)
      << text.out;
  auto json = cmd({"diff", "--json", pair[0], pair[1]});
  EXPECT_EQ(json.exit_status, 1);
  auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["format"], "interprobe-diff");
  EXPECT_EQ(j["version"], 2);
  EXPECT_EQ(j["old"]["path"], pair[0]);
  EXPECT_EQ(j["summary"]["lost"], 5);
  EXPECT_EQ(j["summary"]["partially_lost"], 1);
  bool found = false;
  for (auto& c : j["lost"])
    if (c["name"] == "victim_err_occurred") {
      found = true;
      EXPECT_EQ(c["fully"], false);
      EXPECT_EQ(c["old_sites"]["plt_got"], 3);
      EXPECT_EQ(c["new_sites"]["plt_got"], 1);
      EXPECT_EQ(c["inlined_without_record"], 2);
      EXPECT_EQ(c["callers"].size(), 2u);
    }
  EXPECT_TRUE(found) << json.out;
  auto md = cmd({"diff", "--markdown", pair[0], pair[1]});
  EXPECT_EQ(md.exit_status, 1);
  EXPECT_NE(md.out.find("| `victim_err_occurred` | partially | 3 → 1 | inlined without a DWARF "
                        "record 2 | `victim_check_result`, `victim_interp_loop` |"),
            std::string::npos)
      << md.out;
  EXPECT_EQ(cmd({"diff", "--json", "--markdown", pair[0], pair[1]}).exit_status, 2);
  auto same = cmd({"diff", "--markdown", pair[0], pair[0]});
  EXPECT_EQ(same.exit_status, 0);
  EXPECT_NE(same.out.find("No internal caller moved"), std::string::npos) << same.out;
}

}  // namespace
