// shim_for.cpp — see shim_for.hpp. Order of work: read LIB with the scanner (bad input stops
// here, before anything runs), build the shim into a private directory, run the command with only
// the shim prepended to LD_PRELOAD (not libprobe.so: the shim's report has the probe's format and
// a second preload would only add its own hooks' calls), then read one JSON report per process.
#include "shim_for.hpp"

#include <fmt/format.h>
#include <string.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "../runner/loader_log.hpp"
#include "../runner/probe_report.hpp"
#include "../runner/probe_run.hpp"
#include "../runner/text.hpp"
#include "elf_image.hpp"
#include "generator.hpp"
#include "scanner.hpp"
#include "shim_for_bypass.hpp"

namespace interprobe::cli {

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// LIB's own references to a function that no override can see: direct calls, inlined copies.
std::size_t missed_sites(const scan::SymbolReport& s) {
  return s.direct_sites + (s.inlined ? *s.inlined : 0);
}

std::string inlined_text(const scan::SymbolReport* s) {
  if (s == nullptr || !s->inlined) return "-";
  return std::to_string(*s->inlined);
}

// "what an override of this function would and would not see", one line of the footer. It must
// agree with the row's own counts: a FROM-LIB call where the file has no reference an override
// can take is no call through LIB's PLT (PyModuleDef_Init in libpython: an extension module's
// `return PyModuleDef_Init(&def);` is a tail call, attributed to its caller's caller, libpython;
// docs/REPORT_FORMAT.md).
std::string meaning(const Row& r) {
  if (r.sym == nullptr) return "";
  const std::size_t missed = missed_sites(*r.sym);
  const bool takes = r.sym->got_sites > 0 && !r.sym->preemptible_bound;
  if (r.from_library > 0 && !takes)
    return fmt::format(
        "{} FROM-LIB call(s) reached the shim although the library has no PLT/GOT reference an "
        "override takes: a tail call from another object (`jmp f@plt` ending a function the "
        "library called) is counted for its caller's caller, or the library called it through "
        "a pointer it got at run time (dlsym); its {} direct/inlined site(s) stay invisible to "
        "an override",
        r.from_library, missed);
  if (r.sym->preemptible_bound && r.sym->got_sites > 0)
    return "its PLT/GOT calls are bound anyway (DT_SYMBOLIC or protected): the override sees none "
           "of the library's own calls";
  if (missed > 0 && r.sym->got_sites > 0) return "the override sees some internal calls, not all";
  if (missed > 0) return "the override sees none of the library's own calls";
  if (r.sym->got_sites > 0) return "the override sees the library's own calls too";
  return "no internal call sites";
}

// How the library reaches a function no override sees: for grouping the "never reached" list.
std::string bypass_kind(const scan::SymbolReport& s) {
  const bool inl = s.inlined && *s.inlined > 0;
  return s.direct_sites > 0 && inl ? "direct+inlined" : inl ? "inlined" : "direct";
}

// The functions never seen, grouped by how the library reaches them, most sites first (the ones
// a workload is likeliest to have called), at most `per_group` named per group.
std::string render_unseen(const std::vector<const scan::SymbolReport*>& unseen,
                          std::size_t per_group) {
  std::string out;
  for (const char* kind : {"direct", "inlined", "direct+inlined"}) {
    std::vector<const scan::SymbolReport*> group;
    for (const scan::SymbolReport* s : unseen)
      if (bypass_kind(*s) == kind) group.push_back(s);
    if (group.empty()) continue;
    std::stable_sort(group.begin(), group.end(),
                     [](auto* a, auto* b) { return missed_sites(*a) > missed_sites(*b); });
    std::string names;
    for (std::size_t i = 0; i < group.size() && i < per_group; ++i)
      names += fmt::format("{}{} {}", i == 0 ? "" : ", ", group[i]->name, missed_sites(*group[i]));
    if (group.size() > per_group) names += fmt::format(", ... {} more", group.size() - per_group);
    const char* how = std::string(kind) == "direct"    ? "called directly"
                      : std::string(kind) == "inlined" ? "inlined"
                                                       : "called directly and inlined";
    for (auto& l : wrap(fmt::format("{} ({}, sites): {}", how, group.size(), names), "  ", "    "))
      out += l + "\n";
  }
  return out;
}

std::string render_text(const std::string& lib, const std::vector<Row>& rows,
                        const std::vector<const scan::SymbolReport*>& unseen,
                        const shim::ShimPlan& plan, int processes) {
  std::string out = fmt::format(
      "== interprobe run --shim-for {}: {} function(s) trampolined, {} called, {} process "
      "report(s)\n",
      lib, plan.trampolined.size(), rows.size(), processes);
  out += fmt::format("{:<36} {:>10} {:>8} | {:>7} {:>7} {:>7}  {}\n", "FUNCTION", "OUTSIDE",
                     "FROM-LIB", "PLT/GOT", "DIRECT", "INLINED", "CALLERS OUTSIDE THE LIBRARY");
  for (const Row& r : rows) {
    std::string callers;
    for (auto& [obj, n] : r.outside)
      callers += fmt::format("{}{} {}", callers.empty() ? "" : ", ", obj, n);
    out += fmt::format("{:<36} {:>10} {:>8} | {:>7} {:>7} {:>7}  {}\n", r.name, r.outside_total,
                       r.from_library, r.sym != nullptr ? std::to_string(r.sym->got_sites) : "-",
                       r.sym != nullptr ? std::to_string(r.sym->direct_sites) : "-",
                       inlined_text(r.sym), callers.empty() ? "-" : callers);
  }
  out +=
      "OUTSIDE: calls from other objects (the program, other libraries): an override takes them.\n"
      "FROM-LIB: calls from the library itself that reached the shim through its PLT/GOT.\n"
      "PLT/GOT, DIRECT, INLINED: the library's own call sites in the file (scanner): an override\n"
      "takes PLT/GOT calls, never direct calls or inlined copies ('-': no DWARF to count them).\n";
  for (const Row& r : rows)
    if (r.sym != nullptr && (missed_sites(*r.sym) > 0 || r.from_library > 0))
      for (auto& l : wrap(fmt::format("{}: {}", r.name, meaning(r)), "  ", "    ")) out += l + "\n";
  if (!unseen.empty()) {
    for (auto& l :
         wrap(fmt::format("{} function(s) never reached the shim but are called directly "
                          "or inlined inside the library; any such call this workload "
                          "made was invisible to an override{}:",
                          unseen.size(), unseen.size() > 30 ? " (--format json lists all)" : ""),
              "", ""))
      out += l + "\n";
    out += render_unseen(unseen, 10);
  }
  std::size_t data = 0;
  for (auto& s : plan.skipped) data += s.reason.rfind("data", 0) == 0 ? 1 : 0;
  if (!plan.skipped.empty())
    out += fmt::format(
        "{} exported symbol(s) not trampolined ({} data); `interprobe shim --lib {} "
        "--all-exported -o X` lists them with the reason.\n",
        plan.skipped.size(), data, lib);
  return out;
}

std::string render_json(const std::string& lib, const std::string& soname,
                        const std::vector<Row>& rows,
                        const std::vector<const scan::SymbolReport*>& unseen,
                        const shim::ShimPlan& plan, int processes,
                        const std::vector<std::string>& command) {
  nlohmann::json j = {{"format", "interprobe-shim-run"},
                      {"version", 1},
                      {"library", lib},
                      {"soname", soname},
                      {"command", command},
                      {"processes", processes},
                      {"trampolined", plan.trampolined.size()}};
  nlohmann::json syms = nlohmann::json::array();
  for (const Row& r : rows) {
    nlohmann::json s = {{"name", r.name},
                        {"calls_outside", r.outside_total},
                        {"calls_outside_by_object", r.outside},
                        {"calls_from_library", r.from_library}};
    if (r.bypass) s["bypass"] = bypass_json(*r.bypass);
    if (r.sym != nullptr)
      s["internal"] = {{"plt_got_sites", r.sym->got_sites},
                       {"direct_sites", r.sym->direct_sites},
                       {"inlined", r.sym->inlined ? nlohmann::json(*r.sym->inlined) : nullptr},
                       {"preemptible_bound", r.sym->preemptible_bound},
                       {"verdict", scan::to_string(r.sym->verdict)}};
    syms.push_back(std::move(s));
  }
  j["symbols"] = std::move(syms);
  nlohmann::json u = nlohmann::json::array();
  std::vector<const scan::SymbolReport*> by_name(unseen);
  std::sort(by_name.begin(), by_name.end(), [](auto* a, auto* b) { return a->name < b->name; });
  for (const scan::SymbolReport* s : by_name)
    u.push_back({{"name", s->name},
                 {"bypass", bypass_kind(*s)},
                 {"direct_sites", s->direct_sites},
                 {"inlined", s->inlined ? nlohmann::json(*s->inlined) : nullptr}});
  j["unseen_bound"] = std::move(u);
  nlohmann::json skipped = nlohmann::json::array();
  for (auto& s : plan.skipped) skipped.push_back({{"name", s.name}, {"reason", s.reason}});
  j["skipped"] = std::move(skipped);
  // Symbol names are the library's bytes: invalid UTF-8 becomes U+FFFD (the default throws).
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// Removes the private directory on every return path.
struct Cleanup {
  fs::path dir;
  ~Cleanup() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

}  // namespace

int run_shim_for(const ShimForOptions& o) {
  // The scanner first: a missing or non-ELF LIB is one line and exit 2, before anything runs.
  std::error_code ec;
  if (!o.report.empty() && fs::is_directory(o.report, ec)) {
    fmt::print(stderr, "interprobe run: --report '{}' is a directory\n", o.report);
    return 2;
  }
  scan::LibraryReport lib = scan::scan_file(o.library, scan::ScanOptions{});
  if (lib.error.empty() && scan::is_pie_executable_file(o.library))
    lib.error = scan::kExecutableNotLibrary;  // the rule of scan, shim and check (elf_image.hpp)
  if (!lib.error.empty()) {
    fmt::print(stderr, "interprobe run: --shim-for '{}': {}\n", o.library, lib.error);
    return 2;
  }
  const char* tmp = std::getenv("TMPDIR");
  Cleanup cleanup{make_private_dir(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp")};
  if (cleanup.dir.empty()) {
    fmt::print(stderr, "interprobe run: cannot create a temporary directory: {}\n",
               strerror(errno));
    return 2;
  }
  const fs::path shim_so = cleanup.dir / "libinterprobe-shim.so";
  shim::ShimPlan plan;
  try {
    const std::string runtime = o.runtime.empty() ? shim::default_runtime_path() : o.runtime;
    plan = shim::plan_shim(shim::PlanRequest{o.library, o.symbols, o.symbols.empty(),
                                             shim::archive_undefined_symbols(runtime)});
    shim::build_shim(plan, shim::BuildOptions{shim_so.string(), runtime, ""});
  } catch (const shim::InputError& e) {
    fmt::print(stderr, "interprobe run: --shim-for: {}\n", e.what());
    return 2;
  }
  PreloadStage stage;  // a link if TMPDIR has a space or ':' that LD_PRELOAD cannot carry
  std::string problem;
  const std::string shim_entry = stage.entry(shim_so.string(), &problem);
  if (shim_entry.empty()) {
    fmt::print(stderr, "interprobe run: cannot preload the shim '{}': {}\n", shim_so.string(),
               problem);
    return 2;
  }
  fs::create_directory(cleanup.dir / "reports", ec);
  fs::create_directory(cleanup.dir / "ld", ec);
  Env env = shim_environment(current_environment(), shim_entry, (cleanup.dir / "reports").string());
  // The shim's own variable (preload/shim/bypass.hpp): libprobe.so preloaded by the user is not
  // asked to patch anything.
  env["PROBE_SHIM_BYPASS"] = o.bypass ? "1" : "0";
  // The loader's log says whether any process of the command loaded LIB: an empty table must not
  // pass for "LIB's functions were never called" when LIB was never there.
  const bool witnessed = add_loader_log(env, cleanup.dir / "ld");

  const ChildStatus st = spawn_and_wait(o.command, env);
  if (st.stopped_by != 0) {
    fmt::print(stderr, "interprobe run: {} before {} was started; not run\n",
               strsignal(st.stopped_by), o.command[0]);
    return st.shell_status();
  }
  if (!st.started) {
    fmt::print(stderr, "interprobe: {}\n", spawn_failure_message(o.command[0], st.spawn_errno));
    return st.shell_status();
  }
  if (!st.exited)
    fmt::print(stderr, "interprobe run: {} was killed by signal {} ({})\n", o.command[0],
               st.term_signal, strsignal(st.term_signal));
  if (witnessed && !fs::is_empty(cleanup.dir / "ld", ec)) {
    std::vector<std::string> others;
    const LoaderLog log = read_loader_log(cleanup.dir / "ld");
    if (!loaded_library(log, fs::absolute(o.library), lib.facts.soname, others) && others.empty()) {
      // Not the command's status: nothing was measured, and a script must not take the empty
      // table for "LIB's functions were not called" (docs/cli/run.md, exit status).
      fmt::print(stderr,
                 "interprobe run: {} never loaded {} (in any of its processes; it ended with "
                 "status {}): nothing to show\n",
                 o.command[0], o.library, st.shell_status());
      return 2;
    }
  }

  // Sum over every process of the command (fork children, programs it ran).
  std::map<std::string, Row> by_name;
  std::set<std::string> other_copies;  // same name or SONAME as LIB, another file
  int processes = 0;
  for (auto& rep : collect_reports(cleanup.dir / "reports", st.pid)) {
    std::string err;
    auto parsed = parse_probe_report(slurp(rep.file), &err);
    if (!parsed) {
      fmt::print(stderr, "interprobe run: unreadable shim report from pid {}: {}\n", rep.pid, err);
      continue;
    }
    ++processes;
    for (auto& [name, callers] : parsed->calls)
      for (auto& [object, n] : callers) {
        if (n == 0) continue;
        Row& r = by_name[name];
        if (is_library(object, o.library, lib.facts.soname)) {
          r.from_library += n;
        } else {
          const std::string caller = file_name_of(object);
          if (caller == file_name_of(o.library) || caller == lib.facts.soname)
            other_copies.insert(object);
          r.outside[caller] += n;
          r.outside_total += n;
        }
      }
    if (o.bypass) add_bypass(*parsed, o.library, lib.facts.soname, by_name);
  }
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
    if (s.type != "object" && by_name.count(s.name) == 0 && missed_sites(s) > 0 &&
        (unseen.empty() || unseen.back()->name != s.name))
      unseen.push_back(&s);
  // A pyenv or venv python, say, loads its own libpython: its calls count as "outside" and the
  // scanner's counts (of LIB) say nothing about that copy.
  for (const std::string& copy : other_copies)
    fmt::print(stderr,
               "interprobe run: calls came from {}, another file with LIB's name: counted as "
               "outside callers; the internal call sites shown are {}'s, not that copy's\n",
               copy, o.library);
  if (processes == 0)
    fmt::print(stderr,
               "interprobe run: no shim report from {} (pid {}): the shim reports when a process "
               "exits normally, not after _exit(), a fatal signal or exec into a setuid program\n",
               o.command[0], st.pid);
  std::string text = o.format == "json" ? render_json(o.library, lib.facts.soname, rows, unseen,
                                                      plan, processes, o.command)
                                        : render_text(o.library, rows, unseen, plan, processes);
  if (o.bypass && o.format != "json") text += render_bypass_text(rows);
  if (o.report.empty()) {
    std::cerr << text;
    std::cerr.flush();
  } else {
    // Written in a private directory beside PATH and renamed over it: a reader sees the old table
    // or the new one, never half of one (as `interprobe run --report` does).
    const fs::path target = fs::absolute(o.report);
    Cleanup beside{make_private_dir(target.parent_path())};
    if (!beside.dir.empty()) std::ofstream(beside.dir / "table", std::ios::binary) << text;
    if (beside.dir.empty() || (fs::rename(beside.dir / "table", target, ec), ec))
      fmt::print(stderr, "interprobe run: cannot write '{}': {}\n", o.report,
                 ec ? ec.message() : strerror(errno));
  }
  return st.shell_status();
}

}  // namespace interprobe::cli
