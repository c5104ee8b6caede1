// cli_test.cpp — the interprobe command: usage errors and suggestions, --help and the man pages,
// the matrix check and its Markdown and JSON, and that docs/DRAWBACKS.md is what `interprobe
// matrix --markdown` generates today.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "exec.hpp"
#include "scratch.hpp"

namespace {

using namespace interprobe;

ExecResult interprobe_cmd(std::vector<std::string> args) {
  args.insert(args.begin(), TEST_INTERPROBE);
  return exec(args, current_environment());
}

// Drops the toolchain line, the one part of the document that depends on the machine.
std::string without_toolchain_line(const std::string& doc) {
  std::istringstream in(doc);
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Toolchain:", 0) != 0) out += line + "\n";
  return out;
}

TEST(Cli, HelpAndVersion) {
  auto help = interprobe_cmd({"--help"});
  EXPECT_EQ(help.exit_status, 0);
  EXPECT_NE(help.out.find("matrix"), std::string::npos) << help.out;
  auto sub = interprobe_cmd({"matrix", "--help"});
  EXPECT_EQ(sub.exit_status, 0);
  EXPECT_NE(sub.out.find("--markdown"), std::string::npos) << sub.out;
  EXPECT_EQ(interprobe_cmd({"--version"}).exit_status, 0);
}

TEST(Cli, UnknownOptionOrSubcommandIsAUsageError) {
  auto r = interprobe_cmd({"matrix", "--no-such-option"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("--no-such-option"), std::string::npos) << r.err;
  EXPECT_EQ(interprobe_cmd({"no-such-command"}).exit_status, 2);
  EXPECT_EQ(interprobe_cmd({}).exit_status, 2);
}

// A typo gets the nearest command or option (edit distance, usage_error.cpp), and an error
// inside a subcommand points to that subcommand's --help. On main, `interprobe scna` said only
// "A subcommand is required".
TEST(Cli, MistypedCommandOrOptionSuggestsTheNearest) {
  auto typo = interprobe_cmd({"scna", "/lib/x86_64-linux-gnu/libz.so.1"});
  EXPECT_EQ(typo.exit_status, 2);
  EXPECT_NE(typo.err.find("'scna' is not an interprobe command (did you mean 'scan'?)"),
            std::string::npos)
      << typo.err;
  EXPECT_NE(typo.err.find("Run 'interprobe --help' for usage."), std::string::npos) << typo.err;
  EXPECT_EQ(typo.out, "");
  auto version = interprobe_cmd({"--versoin"});
  EXPECT_EQ(version.exit_status, 2);
  EXPECT_NE(version.err.find("did you mean '--version'?"), std::string::npos) << version.err;
  auto option = interprobe_cmd({"scan", "--jsno", "/lib/x86_64-linux-gnu/libz.so.1"});
  EXPECT_EQ(option.exit_status, 2);
  EXPECT_NE(option.err.find("did you mean '--json'?"), std::string::npos) << option.err;
  EXPECT_NE(option.err.find("Run 'interprobe scan --help' for usage."), std::string::npos)
      << option.err;
  auto missing = interprobe_cmd({"check", "--library", "/lib/x86_64-linux-gnu/libz.so.1"});
  EXPECT_EQ(missing.exit_status, 2);
  EXPECT_NE(missing.err.find("Run 'interprobe check --help' for usage."), std::string::npos)
      << missing.err;
}

TEST(Cli, HelpCommand) {
  auto top = interprobe_cmd({"help"});
  EXPECT_EQ(top.exit_status, 0) << top.err;
  EXPECT_EQ(top.out, interprobe_cmd({"--help"}).out);
  auto scan = interprobe_cmd({"help", "scan"});
  EXPECT_EQ(scan.exit_status, 0) << scan.err;
  EXPECT_EQ(scan.out, interprobe_cmd({"scan", "--help"}).out);
  auto typo = interprobe_cmd({"help", "scna"});
  EXPECT_EQ(typo.exit_status, 2);
  EXPECT_NE(typo.err.find("did you mean 'scan'?"), std::string::npos) << typo.err;
}

// Every --help ends with where the documentation is; from a build tree, this source tree's.
TEST(Cli, HelpPointsToTheDocumentation) {
  for (const char* sub : {"matrix", "shim", "scan", "diff", "run", "check"}) {
    auto h = interprobe_cmd({sub, "--help"});
    EXPECT_EQ(h.exit_status, 0) << sub;
    const auto at = h.out.find("Documentation: " + std::string(TEST_SOURCE_DIR) + "/docs/");
    ASSERT_NE(at, std::string::npos) << h.out;
    const std::string page = h.out.substr(at + 15, h.out.find(' ', at + 15) - at - 15);
    EXPECT_TRUE(std::ifstream(page).good()) << page;
    EXPECT_NE(h.out.find("`man interprobe-" + std::string(sub) + "`"), std::string::npos) << h.out;
    EXPECT_NE(h.out.find("Exit status: "), std::string::npos) << h.out;
  }
}

TEST(Cli, UnknownVariantIsNamed) {
  auto r = interprobe_cmd({"matrix", "--variant", "gcc-O9"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("gcc-O9"), std::string::npos) << r.err;
}

TEST(Cli, MissingMatrixFileIsNamed) {
  auto r = interprobe_cmd({"matrix", "--matrix", "/nonexistent.json"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("/nonexistent.json"), std::string::npos) << r.err;
}

TEST(Cli, MatrixAgreesWithTheTable) {
  auto r = interprobe_cmd({"matrix"});
  EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("gcc-O2-nosi"), std::string::npos);
}

// The man pages, generated at build time from the same CLI11 definitions as --help: one per
// subcommand, every option of its --help in it, no path of this build (a page describes the
// installed tool), and groff renders each without a warning.
TEST(ManPages, OnePerCommandWithEveryOptionAndNoGroffWarning) {
  const std::regex long_option("--[a-z][a-z-]*");
  for (const std::string sub : {"", "matrix", "shim", "scan", "diff", "run", "check"}) {
    const std::string page =
        std::string(TEST_MAN_DIR) + "/interprobe" + (sub.empty() ? "" : "-" + sub) + ".1";
    std::ifstream in(page);
    ASSERT_TRUE(in.good()) << page;
    const std::string roff{std::istreambuf_iterator<char>(in), {}};
    EXPECT_EQ(roff.find(TEST_SOURCE_DIR), std::string::npos) << page;
    auto groff = exec({"groff", "-man", "-Tutf8", "-ww", "-z", page}, current_environment());
    EXPECT_EQ(groff.describe(), "exit 0") << page;
    EXPECT_EQ(groff.err, "") << page;
    // The options of the page's own command (the top-level --help also quotes the subcommands'
    // descriptions, which have pages of their own).
    const std::string help =
        sub.empty() ? std::string("--help --version") : interprobe_cmd({sub, "--help"}).out;
    for (std::sregex_iterator m(help.begin(), help.end(), long_option), end; m != end; ++m) {
      std::string want;
      for (char c : m->str()) want += c == '-' ? std::string("\\-") : std::string(1, c);
      EXPECT_NE(roff.find(want), std::string::npos) << page << " lacks " << m->str();
    }
    if (sub.empty()) {
      for (const char* c : {"matrix", "shim", "scan", "diff", "run", "check"})
        EXPECT_NE(roff.find(std::string("interprobe\\-") + c + " (1)"), std::string::npos) << c;
    }
  }
}

// The section of `doc` that starts at the heading `### name` (up to the next heading).
std::string section(const std::string& doc, const std::string& name) {
  const auto at = doc.find("\n### " + name + "\n");
  if (at == std::string::npos) return "";
  return doc.substr(at, doc.find("\n### ", at + 1) - at);
}

// A document of a partial run claims nothing about the variants it did not run: on main each of
// them said "Overrides that do not take effect: none — every override reaches every caller".
TEST(MatrixMarkdown, PartialRunSaysWhatItDidNotRun) {
  const std::filesystem::path doc = scratch_dir() / "partial.md";
  auto r = interprobe_cmd(
      {"matrix", "--arch", "x86_64", "--variant", "gcc-O2", "--quiet", "--markdown", doc.string()});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  std::ifstream in(doc);
  const std::string md{std::istreambuf_iterator<char>(in), {}};
  EXPECT_NE(md.find("**Partial run**"), std::string::npos) << md;
  const std::string none = "none — every override reaches every caller";
  EXPECT_NE(section(md, "gcc-O2").find(none), std::string::npos) << section(md, "gcc-O2");
  const std::string nosi = section(md, "gcc-O2-nosi");
  EXPECT_EQ(nosi.find(none), std::string::npos) << nosi;
  EXPECT_NE(nosi.find("Not run for this document"), std::string::npos) << nosi;
  EXPECT_NE(md.find("| [gcc-O2-nosi](#gcc-o2-nosi) | not run |"), std::string::npos);
  std::size_t claims = 0;
  for (auto at = md.find(none); at != std::string::npos; at = md.find(none, at + 1)) ++claims;
  EXPECT_EQ(claims, 1u) << "only the variant that ran may claim it";
}

// `--markdown -`: stdout is the document and nothing else (on main the text table came first).
TEST(MatrixMarkdown, OnStdoutItIsTheDocumentAlone) {
  auto r = interprobe_cmd({"matrix", "--arch", "x86_64", "--variant", "gcc-O2", "--markdown", "-"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("# What LD_PRELOAD users lose", 0), 0u) << r.out.substr(0, 300);
  EXPECT_EQ(r.out.find("X*Y observed X"), std::string::npos) << "the text table's legend";
}

// A FILE that cannot be written fails at once, with the reason, before anything runs.
TEST(MatrixMarkdown, IntoAMissingDirectoryFailsBeforeRunning) {
  auto r = interprobe_cmd({"matrix", "--markdown", "/nonexistent-dir/drawbacks.md"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.err,
            "interprobe matrix: cannot write --markdown '/nonexistent-dir/drawbacks.md': No such "
            "file or directory\n");
  EXPECT_EQ(r.out, "") << "no table: nothing ran";
}

TEST(MatrixJson, CellsOfTheVariantsRunAndTheOthersMarked) {
  auto r = interprobe_cmd({"matrix", "--variant", "gcc-O2-nosi", "--json"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "interprobe-matrix");
  EXPECT_EQ(j["mismatches"], 0);
  std::size_t run = 0;
  for (auto& v : j["variants"]) {
    if (v["name"] != "gcc-O2-nosi") {
      EXPECT_EQ(v["status"], "not run") << v.dump();
      EXPECT_TRUE(v["cells"][0]["observed"].is_null());
      continue;
    }
    ++run;
    EXPECT_EQ(v["status"], "run");
    ASSERT_EQ(v["cells"].size(), j["paths"].size());
    for (auto& c : v["cells"]) {
      EXPECT_EQ(c["observed"], c["expected"]) << c.dump();
      EXPECT_EQ(c["matches"], true) << c.dump();
    }
  }
  EXPECT_EQ(run, 1u);
}

// --bypass: the matrix also counts, at the target's definition, the library's calls that bypassed
// the override. gcc-O2-nosi: victim_run_noinline's call of victim_noinline_touch became a direct
// call (`interprobe diff` gcc-O2 gcc-O2-nosi: "victim_run_noinline: PLT/GOT 1 -> 0, direct 0 ->
// 1"), so the definition sees it; the 3-byte victim_err_occurred cannot be patched and says so.
TEST(MatrixJson, BypassCountsTheCallsTheOverrideMissed) {
  auto r = interprobe_cmd({"matrix", "--variant", "gcc-O2-nosi", "--json", "--bypass"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  bool seen_noinline = false, seen_refused = false;
  for (auto& v : j["variants"]) {
    if (v["name"] != "gcc-O2-nosi") continue;
    for (auto& c : v["cells"]) {
      if (c["path"] == "noinline") {
        EXPECT_EQ(c["observed"], "bypassed");
        EXPECT_EQ(c["bypassed"]["victim_noinline_touch"], 1) << c.dump();
        seen_noinline = true;
      }
      if (c["path"] == "accessor_cross_tu") {
        EXPECT_NE(c["bypass_refused"]["victim_err_occurred"].get<std::string>().find("shorter"),
                  std::string::npos)
            << c.dump();
        seen_refused = true;
      }
    }
  }
  EXPECT_TRUE(seen_noinline && seen_refused) << r.out;
  auto text = interprobe_cmd({"matrix", "--variant", "gcc-O2-nosi", "--bypass"});
  std::istringstream lines(text.out);
  bool row = false;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream cols(line);
    std::string variant, path, target, n, verdict;
    cols >> variant >> path >> target >> n >> verdict;
    row = row || (variant == "gcc-O2-nosi" && path == "noinline" &&
                  target == "victim_noinline_touch" && n == "1" && verdict == "bypassed");
  }
  EXPECT_TRUE(row) << text.out;
}

// `doc` without the section `## aarch64` (up to the next `## ` heading).
std::string without_aarch64(const std::string& doc) {
  const auto at = doc.find("\n## aarch64\n");
  if (at == std::string::npos) return doc;
  return doc.substr(0, at) + doc.substr(doc.find("\n## ", at + 1));
}

// The x86_64 half of docs/DRAWBACKS.md, on every machine. The whole document, the aarch64 half
// too, is compared by DrawbacksDoc.all_architectures (tests/CMakeLists.txt: it needs the aarch64
// matrix under qemu; without the cross toolchain or qemu, DrawbacksDoc.aarch64_half_not_compared
// is reported skipped instead).
TEST(DrawbacksDoc, IsUpToDate) {
  auto r = interprobe_cmd({"matrix", "--arch", "x86_64", "--quiet", "--markdown", "-"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out.find("\n## aarch64\n"), std::string::npos) << "only the architecture asked for";
  std::ifstream in(std::string(TEST_SOURCE_DIR) + "/docs/DRAWBACKS.md");
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_NE(doc.str().find("\n## aarch64\n"), std::string::npos) << "the document of both";
  EXPECT_EQ(without_toolchain_line(without_aarch64(doc.str())), without_toolchain_line(r.out))
      << "docs/DRAWBACKS.md's x86_64 half is stale: run `build/bin/interprobe matrix --markdown "
         "docs/DRAWBACKS.md`";
}

// --json prints one architecture's observations; an architecture the build does not know is a
// usage error naming the ones it knows. Both before anything runs.
TEST(MatrixArch, UsageErrors) {
  auto json = interprobe_cmd({"matrix", "--arch", "all", "--json"});
  EXPECT_EQ(json.exit_status, 2);
  EXPECT_EQ(json.err,
            "interprobe matrix: --json prints one architecture's: name it with --arch (x86_64, "
            "aarch64)\n");
  auto markdown_json = interprobe_cmd({"matrix", "--markdown", "/nonexistent/x.md", "--json"});
  EXPECT_EQ(markdown_json.exit_status, 2);
  EXPECT_NE(markdown_json.err.find("--json prints one architecture's"), std::string::npos)
      << "--markdown alone means every architecture: " << markdown_json.err;
  auto unknown = interprobe_cmd({"matrix", "--arch", "riscv64"});
  EXPECT_EQ(unknown.exit_status, 2);
  EXPECT_EQ(unknown.err,
            "interprobe matrix: --arch: 'riscv64' is not an architecture of this build (x86_64, "
            "aarch64, all)\n");
  EXPECT_EQ(json.out + markdown_json.out + unknown.out, "") << "nothing ran";
}

}  // namespace
