// diff_command.cpp — `interprobe diff OLD.so NEW.so`: the exported symbols whose internal
// references moved from interposable to bound (what LD_PRELOAD users lose if NEW ships) and back.
// Exit status 0: nothing lost; 1: some symbol lost internal interposability; 2: bad input (a file
// that is not a shared library, or two libraries with no exported name in common). Different
// SONAMEs: a warning on stderr, the status as above.
#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <iostream>
#include <set>
#include <thread>

#include "commands.hpp"
#include "diff.hpp"
#include "elf_image.hpp"
#include "scanner.hpp"

namespace interprobe::cli {

namespace {

struct DiffCliOptions {
  std::string old_path, new_path;
  bool json = false, markdown = false, no_dwarf = false;
  std::string debug_dir = scan::ScanOptions{}.debug_dir;
};

int run_diff(const DiffCliOptions& opt) {
  scan::ScanOptions so;
  so.dwarf = !opt.no_dwarf;
  so.debug_dir = opt.debug_dir;
  // Both files at once, each on half the cores: the DWARF walk of one file is one thread's work.
  so.threads = std::max(1u, std::thread::hardware_concurrency() / 2);
  auto later = std::async(std::launch::async, [&] { return scan::scan_file(opt.new_path, so); });
  scan::LibraryReport a = scan::scan_file(opt.old_path, so);
  scan::LibraryReport b = later.get();
  bool bad = false;
  for (auto* lib : {&a, &b}) {
    if (lib->error.empty() && scan::is_pie_executable_file(lib->path))
      lib->error = scan::kExecutableNotLibrary;  // the rule of `scan` (elf_image.hpp)
    if (!lib->error.empty()) {
      fmt::print(stderr, "interprobe diff: {}: {}\n", lib->path, lib->error);
      bad = true;
    }
  }
  if (bad) return 2;
  // Two builds of one library share a SONAME (or both have none). Another SONAME is a new major
  // version (libfoo.so.1 -> .so.2: compared anyway, with a warning) or another library; one
  // that shares no exported name with OLD cannot be compared at all, and an empty diff must not
  // pass for "nothing lost".
  if (a.facts.soname != b.facts.soname)
    fmt::print(stderr,
               "interprobe diff: warning: the SONAMEs differ ({} has '{}', {} has '{}'): "
               "comparing the symbols they share by name\n",
               a.path, a.facts.soname, b.path, b.facts.soname);
  std::set<std::string> old_names;
  for (auto& s : a.symbols) old_names.insert(s.name);
  if (std::none_of(b.symbols.begin(), b.symbols.end(),
                   [&](const scan::SymbolReport& s) { return old_names.count(s.name) != 0; })) {
    fmt::print(stderr,
               "interprobe diff: {} and {} export no symbol of the same name: not two builds of "
               "one library, nothing to compare\n",
               a.path, b.path);
    return 2;
  }
  scan::LibraryDiff d = scan::diff_libraries(a, b);
  if (opt.json)
    std::cout << scan::render_diff_json(d, a.path, b.path);
  else if (opt.markdown)
    std::cout << scan::render_diff_markdown(d, a.path, b.path);
  else
    std::cout << scan::render_diff_text(d, a.path, b.path);
  return d.lost.empty() ? 0 : 1;
}

}  // namespace

void add_diff_command(CLI::App& app) {
  auto opt = std::make_shared<DiffCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "diff",
      "Compare two builds of a shared library: which exported symbols' internal references moved "
      "from interposable to bound (what LD_PRELOAD users lose if you ship NEW), and back. "
      "Different SONAMEs give a warning on stderr; the symbols are still compared by name.");
  sub->add_option("old", opt->old_path, "The library shipped today.")->required();
  sub->add_option("new", opt->new_path, "The candidate build.")->required();
  auto* json = sub->add_flag("--json", opt->json, "Print JSON (format: docs/SCAN.md).");
  sub->add_flag("--markdown", opt->markdown,
                "Print Markdown for a package's documentation: what LD_PRELOAD users lose.")
      ->excludes(json);
  sub->add_flag("--no-dwarf", opt->no_dwarf, "Do not count inlined copies from DWARF.");
  add_debug_dir_option(sub, opt->debug_dir);
  sub->callback([opt] { set_exit_status(run_diff(*opt)); });
}

}  // namespace interprobe::cli
