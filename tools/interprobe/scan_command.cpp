// scan_command.cpp — `interprobe scan LIB.so|PKG.deb|PKG.rpm|DIR ...`: per exported symbol, whether
// the library's own references can still be overridden (tools/scan/). Text table by default,
// --json (which `diff` reads back as a baseline), --markdown. Exit status 2 if any file could not
// be scanned (one line each on stderr); every good file is still scanned and printed.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <string_view>

#include "batch.hpp"
#include "commands.hpp"
#include "elf_image.hpp"
#include "package.hpp"
#include "scan_render.hpp"

namespace interprobe::cli {

namespace {

struct ScanCliOptions {
  std::vector<std::string> paths;
  bool json = false, markdown = false, summary = false, no_dwarf = false, quiet = false;
  bool allow_pie = false;
  unsigned jobs = 0;
  std::string debug_dir = scan::ScanOptions{}.debug_dir;
  std::vector<std::string> debug_packages;
  std::string decoder = "zydis";
  std::vector<std::string> verdicts;
  std::string sort = "dynsym", color = "auto";
  bool callers = false;
};

// --color auto: colour only on a terminal, and never when NO_COLOR is set to anything but ""
// (no-color.org); always/never override both.
bool use_color(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return isatty(1) && (no_color == nullptr || *no_color == '\0') &&
         !(term != nullptr && std::string_view(term) == "dumb");
}

scan::RenderOptions render_options(const ScanCliOptions& opt) {
  scan::RenderOptions r;
  r.summary_only = opt.summary;
  for (const std::string& v : opt.verdicts)
    for (scan::SymVerdict s : {scan::SymVerdict::interposable, scan::SymVerdict::bound,
                               scan::SymVerdict::mixed, scan::SymVerdict::none})
      if (scan::to_string(s) == v) r.verdicts.push_back(s);
  using Sort = scan::RenderOptions::Sort;
  r.sort = opt.sort == "name"      ? Sort::name
           : opt.sort == "verdict" ? Sort::verdict
           : opt.sort == "sites"   ? Sort::sites
                                   : Sort::dynsym;
  r.callers = opt.callers;
  r.color = use_color(opt.color);
  return r;
}

int run_scan(const ScanCliOptions& opt) {
  scan::BatchOptions b;
  b.scan.dwarf = !opt.no_dwarf;
  b.scan.debug_dir = opt.debug_dir;
  b.scan.decoder = opt.decoder == "capstone" ? scan::Decoder::capstone : scan::Decoder::standard;
  b.threads = opt.jobs;
  b.progress = !opt.quiet && isatty(2);
  b.allow_pie = opt.allow_pie;
  b.debug_packages = opt.debug_packages;
  int status = 0;
  std::vector<std::string> paths;
  for (const std::string& p : opt.paths)
    if (scan::input_kind(p) == scan::InputKind::scan_json) {
      fmt::print(stderr,
                 "interprobe scan: {}: a saved scan (JSON), not a library: `interprobe diff` "
                 "reads it as OLD\n",
                 p);
      status = 2;
    } else {
      paths.push_back(p);
    }
  scan::BatchStats stats;
  std::vector<scan::LibraryReport> libs;
  try {
    libs = scan::scan_paths(paths, b, &stats);
  } catch (const scan::ScanError& e) {  // a debug package that cannot be read
    fmt::print(stderr, "interprobe scan: {}\n", e.what());
    return 2;
  }
  for (auto& lib : libs)
    if (!lib.error.empty()) {
      fmt::print(stderr, "interprobe scan: {}: {}{}\n", lib.path, lib.error,
                 lib.error == scan::kExecutableNotLibrary ? " (--allow-pie reads it anyway)" : "");
      status = 2;
    }
  if (stats.executables_skipped > 0)
    fmt::print(stderr,
               "interprobe scan: skipped {} executable(s) (PIE) named like libraries in the "
               "directories; name one with --allow-pie to read it\n",
               stats.executables_skipped);
  for (const std::string& pkg : stats.debug_packages_unused)
    fmt::print(stderr,
               "interprobe scan: warning: {}: no debug file in it has the build ID of a library "
               "scanned\n",
               pkg);
  if (libs.empty()) {
    if (!paths.empty())
      fmt::print(stderr, "interprobe scan: no shared objects found in {}\n", fmt::join(paths, " "));
    return 2;
  }
  const scan::RenderOptions r = render_options(opt);
  if (opt.json)
    std::cout << scan::render_json(libs);
  else if (opt.markdown)
    std::cout << scan::render_markdown(libs, r);
  else
    std::cout << scan::render_text(libs, r);
  return status;
}

}  // namespace

void add_debug_dir_option(CLI::App* sub, std::string& dir) {
  sub->add_option("--debug-dir", dir,
                  "Where a stripped library's debug file is looked up by build ID "
                  "(DIR/.build-id/xx/rest.debug); empty: do not look.")
      ->capture_default_str();
}

void add_debug_package_option(CLI::App* sub, std::vector<std::string>& packages) {
  sub->add_option("--debug-package", packages,
                  "A debug package (Debian's PKG-dbgsym.deb, Fedora's PKG-debuginfo.rpm), read "
                  "in memory, or a directory of debug files (rpmbuild's %{buildroot}/usr/lib/"
                  "debug): a stripped library's debug file is taken from it by build ID, before "
                  "--debug-dir. Repeatable.")
      ->allow_extra_args(false);  // one package per --debug-package: positionals stay positional
}

void add_scan_command(CLI::App& app) {
  auto opt = std::make_shared<ScanCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "scan",
      "Read shared libraries (ELF) and tell, per exported symbol, whether the library's own calls "
      "and uses can still be overridden with LD_PRELOAD. Directories are scanned recursively; "
      "packages (.deb, .rpm) are read in memory, never unpacked, and each library in them is "
      "named PACKAGE:/installed/path.");
  sub->add_option("paths", opt->paths, "Shared objects (LIB.so), packages or directories.")
      ->required();
  auto* json = sub->add_flag("--json", opt->json, "Print JSON (format: docs/SCAN.md).");
  sub->add_flag("--markdown", opt->markdown, "Print Markdown for a package's documentation.")
      ->excludes(json);
  sub->add_flag("--summary", opt->summary,
                "Library facts and verdict counts only, no symbol rows.");
  sub->add_flag("--no-dwarf", opt->no_dwarf, "Do not count inlined copies from DWARF.");
  add_debug_dir_option(sub, opt->debug_dir);
  add_debug_package_option(sub, opt->debug_packages);
  sub->add_option("-j,--jobs", opt->jobs, "Threads (default: all cores).");
  // A string, not the enum: CLI11 prints a std::uint8_t enum's values in --help as raw bytes.
  sub->add_option("--decoder", opt->decoder,
                  "Instruction decoder: zydis (default, faster: Zydis for x86-64, the "
                  "built-in decoder for aarch64) or capstone (the cross-check); both find the "
                  "same references.")
      ->check(CLI::IsMember({"zydis", "capstone"}));
  sub->add_flag("-q,--quiet", opt->quiet, "No progress bar.");
  sub->add_flag("--allow-pie", opt->allow_pie,
                "Read PIE executables too (e.g. a python3 that exports its C API to extension "
                "modules). Without it an executable named is an error and those in directories "
                "are skipped: no LD_PRELOAD library can override what an executable defines (it "
                "comes first in the lookup order), so its 'interposable' means only 'through "
                "the GOT'.");
  sub->add_option("--verdict", opt->verdicts,
                  "Text table: only rows with these verdicts (repeat or comma-separate).")
      ->delimiter(',')
      ->check(CLI::IsMember({"bound", "interposable", "mixed", "none"}));
  sub->add_option("--sort", opt->sort,
                  "Text table order: dynsym (the file's, default), name, verdict, sites (most "
                  "internal sites first).")
      ->check(CLI::IsMember({"dynsym", "name", "verdict", "sites"}));
  sub->add_flag("--callers", opt->callers,
                "Text table: under each symbol, one line per caller with its sites.");
  sub->add_option("--color", opt->color,
                  "Colour the verdicts: auto (on a terminal, unless NO_COLOR is set), always, "
                  "never.")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  sub->callback([opt] { set_exit_status(run_scan(*opt)); });
}

}  // namespace interprobe::cli
