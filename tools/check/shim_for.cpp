// shim_for.cpp — see shim_for.hpp. Order of work: read LIB with the scanner (bad input stops
// here, before anything runs), build the shim into a private directory, run the command with only
// the shim prepended to LD_PRELOAD (not libprobe.so: the shim's report has the probe's format and
// a second preload would only add its own hooks' calls), then read one JSON report per process.
#include "shim_for.hpp"

#include <fmt/format.h>
#include <string.h>

#include <cerrno>
#include <filesystem>
#include <map>
#include <set>

#include "collect.hpp"
#include "elf_image.hpp"
#include "generator.hpp"
#include "loader_log.hpp"
#include "preload_env.hpp"
#include "private_dir.hpp"
#include "scanner.hpp"
#include "shim_for_table.hpp"
#include "exec.hpp"

namespace interprobe {

namespace fs = std::filesystem;
using shim_for::Row;

namespace {

// Sums the calls of every process's report (fork children, programs it ran) into rows by
// function: from LIB itself, or from outside it by calling object. A caller with LIB's name or
// SONAME that is another file goes to `other_copies`.
int add_calls(const std::vector<ReadReport>& reports, const ShimForOptions& o,
              const std::string& soname, std::map<std::string, Row>& by_name,
              std::set<std::string>& other_copies, std::vector<std::string>& notices) {
  int processes = 0;
  for (const ReadReport& rep : reports) {
    if (!rep.report) {
      notices.push_back(fmt::format("interprobe run: unreadable shim report from pid {}: {}",
                                    rep.file.pid, rep.error));
      continue;
    }
    ++processes;
    for (auto& [name, callers] : rep.report->calls)
      for (auto& [object, n] : callers) {
        if (n == 0) continue;
        Row& r = by_name[name];
        if (is_library(object, o.library, soname)) {
          r.from_library += n;
        } else {
          const std::string caller = file_name_of(object);
          if (caller == file_name_of(o.library) || caller == soname) other_copies.insert(object);
          r.outside[caller] += n;
          r.outside_total += n;
        }
      }
    if (o.bypass) shim_for::add_bypass(*rep.report, o.library, soname, by_name);
  }
  return processes;
}

}  // namespace

ShimForOutcome run_shim_for(const ShimForOptions& o) {
  ShimForOutcome out;
  auto fail = [&out](std::string notice) {
    out.notices.push_back(std::move(notice));
    out.status = 2;
    return out;
  };
  // The scanner first: a missing or non-ELF LIB is one line and exit 2, before anything runs.
  std::error_code ec;
  if (!o.report.empty() && fs::is_directory(o.report, ec))
    return fail(fmt::format("interprobe run: --report '{}' is a directory", o.report));
  scan::LibraryReport lib = scan::scan_file(o.library, scan::ScanOptions{});
  if (lib.error.empty() && scan::is_pie_executable_file(o.library))
    lib.error = scan::kExecutableNotLibrary;  // the rule of scan, shim and check (elf_image.hpp)
  if (!lib.error.empty())
    return fail(fmt::format("interprobe run: --shim-for '{}': {}", o.library, lib.error));
  const PrivateDir dir = PrivateDir::temporary();
  if (dir.empty())
    return fail(
        fmt::format("interprobe run: cannot create a temporary directory: {}", strerror(errno)));
  const fs::path shim_so = dir.path() / "libinterprobe-shim.so";
  shim::ShimPlan plan;
  try {
    const std::string runtime = o.runtime.empty() ? shim::default_runtime_path() : o.runtime;
    plan = shim::plan_shim(shim::PlanRequest{o.library, o.symbols, o.symbols.empty(),
                                             shim::archive_undefined_symbols(runtime)});
    shim::build_shim(plan, shim::BuildOptions{shim_so.string(), runtime, ""});
  } catch (const shim::InputError& e) {
    return fail(fmt::format("interprobe run: --shim-for: {}", e.what()));
  }
  PreloadStage stage;  // a link if TMPDIR has a space or ':' that LD_PRELOAD cannot carry
  std::string problem;
  const std::string shim_entry = stage.entry(shim_so.string(), &problem);
  if (shim_entry.empty())
    return fail(fmt::format("interprobe run: cannot preload the shim '{}': {}", shim_so.string(),
                            problem));
  fs::create_directory(dir.path() / "reports", ec);
  fs::create_directory(dir.path() / "ld", ec);
  Env env = shim_environment(current_environment(), shim_entry, (dir.path() / "reports").string());
  // The shim's own variable (preload/shim/bypass.hpp): libprobe.so preloaded by the user is not
  // asked to patch anything.
  env["PROBE_SHIM_BYPASS"] = o.bypass ? "1" : "0";
  // The loader's log says whether any process of the command loaded LIB: an empty table must not
  // pass for "LIB's functions were never called" when LIB was never there.
  const bool witnessed = add_loader_log(env, dir.path() / "ld");

  const ChildStatus st = spawn_and_wait(o.command, env);
  out.status = st.shell_status();
  if (st.stopped_by != 0) {
    out.notices.push_back(fmt::format("interprobe run: {} before {} was started; not run",
                                      strsignal(st.stopped_by), o.command[0]));
    return out;
  }
  if (!st.started) {
    out.notices.push_back(
        fmt::format("interprobe: {}", spawn_failure_message(o.command[0], st.spawn_errno)));
    return out;
  }
  if (!st.exited)
    out.notices.push_back(fmt::format("interprobe run: {} was killed by signal {} ({})",
                                      o.command[0], st.term_signal, strsignal(st.term_signal)));
  if (witnessed && !fs::is_empty(dir.path() / "ld", ec)) {
    std::vector<std::string> others;
    const LoaderLog log = read_loader_log(dir.path() / "ld");
    if (!loaded_library(log, fs::absolute(o.library), lib.facts.soname, others) && others.empty())
      // Not the command's status: nothing was measured, and a script must not take the empty
      // table for "LIB's functions were not called" (docs/cli/run.md, exit status).
      return fail(fmt::format(
          "interprobe run: {} never loaded {} (in any of its processes; it ended with "
          "status {}): nothing to show",
          o.command[0], o.library, st.shell_status()));
  }

  std::map<std::string, Row> by_name;
  std::set<std::string> other_copies;  // same name or SONAME as LIB, another file
  const int processes = add_calls(read_reports(dir.path() / "reports", st.pid), o,
                                  lib.facts.soname, by_name, other_copies, out.notices);
  std::vector<Row> rows;
  for (auto& [name, r] : by_name) {
    r.name = name;
    for (const scan::SymbolReport& s : lib.symbols)
      if (s.name == name && r.sym == nullptr) r.sym = &s;  // versions of a name: the first
    rows.push_back(std::move(r));
  }
  // Functions the shim never saw but that LIB calls directly or has inlined: if this workload made
  // those calls, an override would not have known.
  std::vector<const scan::SymbolReport*> unseen;
  for (const scan::SymbolReport& s : lib.symbols)
    if (s.type != "object" && by_name.count(s.name) == 0 && shim_for::missed_sites(s) > 0 &&
        (unseen.empty() || unseen.back()->name != s.name))
      unseen.push_back(&s);
  // A pyenv or venv python, say, loads its own libpython: its calls count as "outside" and the
  // scanner's counts (of LIB) say nothing about that copy.
  for (const std::string& copy : other_copies)
    out.notices.push_back(fmt::format(
        "interprobe run: calls came from {}, another file with LIB's name: counted as "
        "outside callers; the internal call sites shown are {}'s, not that copy's",
        copy, o.library));
  if (processes == 0)
    out.notices.push_back(fmt::format(
        "interprobe run: no shim report from {} (pid {}): the shim reports when a process "
        "exits normally, not after _exit(), a fatal signal or exec into a setuid program",
        o.command[0], st.pid));
  std::string text = o.format == "json"
                         ? shim_for::render_json(o.library, lib.facts.soname, rows, unseen, plan,
                                                 processes, o.command)
                         : shim_for::render_text(o.library, rows, unseen, plan, processes);
  if (o.bypass && o.format != "json") text += shim_for::render_bypass_text(rows);
  out.table = std::move(text);
  return out;
}

}  // namespace interprobe
