// scan_cli_test.cpp — `interprobe scan` and `interprobe diff` as a user runs them: formats, exit
// statuses, and one stderr line per bad file while the good files are still reported; diff
// against a saved scan and with --accept.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_helpers.hpp"
#include "exec.hpp"
#include "scratch.hpp"

namespace {

using namespace interprobe;

using cli_helpers::cmd;
using cli_helpers::victim;
using nlohmann::json;

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
  EXPECT_TRUE(j["libraries"][0]["lost"].empty());
  EXPECT_FALSE(j["libraries"][0]["gained"].empty());
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
  auto d = nlohmann::json::parse(diff.out)["libraries"][0];
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
// callers that moved; version 3 of the JSON (the pair in `libraries`); Markdown for a package's
// documentation.
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
  EXPECT_EQ(j["version"], 3);
  EXPECT_EQ(j["old"]["path"], pair[0]);
  EXPECT_EQ(j["old"]["kind"], "elf");
  EXPECT_EQ(j["summary"]["lost"], 5);
  EXPECT_EQ(j["summary"]["partially_lost"], 1);
  EXPECT_EQ(j["status"], 1);
  ASSERT_EQ(j["libraries"].size(), 1u);
  const auto& lib = j["libraries"][0];
  EXPECT_EQ(lib["soname"], "libvictim.so.1");
  EXPECT_EQ(lib["old"]["path"], pair[0]);
  EXPECT_EQ(lib["new"]["member"], nullptr);
  EXPECT_EQ(lib["summary"]["lost"], 5);
  bool found = false;
  for (auto& c : lib["lost"])
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

// --- diff with a saved scan as OLD (the release's baseline) and --accept (known losses), as a
// packager's check runs them, on the victim's default build against its
// -fno-semantic-interposition build. Packages as inputs: tests/scan/package_test.cpp. (Here, not in
// a file of its own: each test file costs CI a compile of gtest and nlohmann::json, ~9 s.)

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
