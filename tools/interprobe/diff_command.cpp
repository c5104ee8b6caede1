// diff_command.cpp — `interprobe diff OLD NEW`: the exported symbols whose internal references
// moved from interposable to bound (what LD_PRELOAD users lose if NEW ships) and back. OLD and NEW
// are shared libraries or packages (.deb, .rpm: their libraries paired by SONAME); OLD may be a
// saved `scan --json` (the release's baseline). --accept FILE waives known losses.
// Exit status 0: nothing lost, or only waived symbols; 1: some symbol lost internal
// interposability; 2: bad input (docs/SCAN.md, "Usage": a file that is not a library, package or
// saved scan, a package without a library, a bad --accept line, nothing paired, two libraries
// with no exported name in common). Different SONAMEs of two libraries: a warning on stderr.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "batch.hpp"
#include "commands.hpp"
#include "diff_inputs.hpp"
#include "elf_image.hpp"
#include "scan_render.hpp"

namespace interprobe::cli {

namespace {

struct DiffCliOptions {
  std::string old_path, new_path, accept;
  bool json = false, markdown = false, no_dwarf = false;
  std::string debug_dir = scan::ScanOptions{}.debug_dir;
  std::vector<std::string> debug_packages;
};

void complain(const std::string& what) { fmt::print(stderr, "interprobe diff: {}\n", what); }

// A saved scan, OLD's only: it keeps what diff reads from OLD, not NEW's DWARF evidence.
bool read_saved(scan::DiffSide& side) {
  try {
    scan::SavedScan saved = scan::read_scan_json(side.path);
    side.saved_by = saved.interprobe_version;
    side.libraries = std::move(saved.libraries);
  } catch (const scan::ScanError& e) {
    complain(fmt::format("{}: {}", side.path, e.what()));
    return false;
  }
  return true;
}

// Both sides: saved scans read, libraries and packages scanned together (each library on its
// share of the cores, the DWARF walk of one file being one thread's work). Errors are printed.
bool load(const DiffCliOptions& opt, scan::DiffSide& a, scan::DiffSide& b) {
  bool ok = true;
  std::vector<std::string> to_scan;
  for (scan::DiffSide* side : {&a, &b}) {
    std::error_code ec;
    side->kind = scan::input_kind(side->path);
    if (std::filesystem::is_directory(side->path, ec)) {
      complain(side->path + ": is a directory (name a library, a package or a saved scan)");
      ok = false;
    } else if (side->kind == scan::InputKind::scan_json) {
      if (side == &b) {
        complain(side->path +
                 ": a saved scan can only be OLD (it keeps what a comparison reads from the "
                 "old build, not the new build's DWARF evidence); name the new library or "
                 "package");
        ok = false;
      } else {
        ok = read_saved(*side) && ok;
      }
    } else if (side == &a || b.path != a.path) {  // the same file twice: scanned once
      to_scan.push_back(side->path);
    }
  }
  if (!ok) return false;
  scan::BatchOptions bo;
  bo.scan.dwarf = !opt.no_dwarf;
  bo.scan.debug_dir = opt.debug_dir;
  bo.debug_packages = opt.debug_packages;
  scan::BatchStats stats;
  std::vector<scan::LibraryReport> libs;
  try {
    if (!to_scan.empty()) libs = scan::scan_paths(to_scan, bo, &stats);
  } catch (const scan::ScanError& e) {
    complain(e.what());
    return false;
  }
  for (const std::string& pkg : stats.debug_packages_unused)
    complain(fmt::format("warning: {}: no debug file in it has the build ID of a library compared",
                         pkg));
  for (auto& lib : libs) {
    if (!lib.error.empty()) {
      complain(fmt::format("{}: {}", lib.path, lib.error));
      ok = false;
    }
    for (scan::DiffSide* side : {&a, &b})
      if (side->kind != scan::InputKind::scan_json && lib.file == side->path)
        side->libraries.push_back(lib);
  }
  for (scan::DiffSide* side : {&a, &b})
    if (ok && side->libraries.empty()) {
      complain(
          fmt::format("{}: no shared library in the {}", side->path, scan::describe(side->kind)));
      ok = false;
    }
  return ok;
}

int run_diff(const DiffCliOptions& opt) {
  std::vector<scan::Waiver> waivers;
  if (!opt.accept.empty()) try {
      waivers = scan::read_waivers(opt.accept);
    } catch (const scan::ScanError& e) {
      complain(fmt::format("{}: {}", opt.accept, e.what()));
      return 2;
    }
  scan::DiffSide a, b;
  a.path = opt.old_path;
  b.path = opt.new_path;
  if (!load(opt, a, b)) return 2;
  std::vector<std::string> warnings, errors;
  scan::InputDiff d = scan::diff_inputs(a, b, warnings, errors);
  for (auto& w : warnings) complain("warning: " + w);
  for (auto& e : errors) complain(e);
  if (!errors.empty()) return 2;
  d.accept_file = opt.accept;
  scan::apply_waivers(d, waivers);
  for (const scan::Waiver& w : d.stale)
    complain(fmt::format("warning: {}:{}: stale waiver '{}': no lost symbol matches it", opt.accept,
                         w.line, scan::printable(w.pattern)));
  if (opt.json)
    std::cout << scan::render_input_diff_json(d);
  else if (opt.markdown)
    std::cout << scan::render_input_diff_markdown(d);
  else
    std::cout << scan::render_input_diff_text(d);
  return d.lost() > 0 ? 1 : 0;
}

}  // namespace

void add_diff_command(CLI::App& app) {
  auto opt = std::make_shared<DiffCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "diff",
      "Compare two builds of a shared library, or two packages (.deb, .rpm) holding them: which "
      "exported symbols' internal references moved from interposable to bound (what LD_PRELOAD "
      "users lose if you ship NEW), and back. A package's libraries are read in memory and "
      "paired with the other side's by SONAME. Different SONAMEs of two libraries give a "
      "warning on stderr; the symbols are still compared by name.");
  sub->add_option("old", opt->old_path,
                  "The build shipped today: a library, a package, or its saved `interprobe scan "
                  "--json` (a baseline kept with the package's sources).")
      ->required();
  sub->add_option("new", opt->new_path, "The candidate build: a library or a package.")->required();
  auto* json = sub->add_flag("--json", opt->json, "Print JSON (format: docs/SCAN.md).");
  sub->add_flag("--markdown", opt->markdown,
                "Print Markdown for a package's documentation: what LD_PRELOAD users lose.")
      ->excludes(json);
  sub->add_option("--accept", opt->accept,
                  "Known losses: a file with one symbol name or glob a line (`# reason` after "
                  "it). Lost symbols it matches are listed as waived and do not fail the diff; "
                  "lines that match no lost symbol are reported as stale.");
  sub->add_flag("--no-dwarf", opt->no_dwarf, "Do not count inlined copies from DWARF.");
  add_debug_dir_option(sub, opt->debug_dir);
  add_debug_package_option(sub, opt->debug_packages);
  sub->callback([opt] { set_exit_status(run_diff(*opt)); });
}

}  // namespace interprobe::cli
