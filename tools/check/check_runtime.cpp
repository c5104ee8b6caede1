// check_runtime.cpp — the runtime half of `interprobe check`: run the RUN command without and
// with an override of the symbols (libprobe.so, or a shim generated for the library's other
// functions) and count, per symbol, the calls that reached the override from the library.
//
// Two guards keep a "bound" (no call counted) from passing by accident:
// - the control run must succeed: a command that fails without the probe says nothing;
// - the control run must load the very library file under test (not another copy, e.g. the
//   system's), witnessed by the dynamic loader's own log (LD_DEBUG=files into LD_DEBUG_OUTPUT,
//   glibc's documented debugging aid), written to a file so the command's output is untouched.
// What they cannot guard against is a RUN command that loads the library but never takes the
// internal call path: only the static half (interprobe scan) sees every call site. Where the
// definition's entry counts the calls that bypassed the override (PROBE_BYPASS, libprobe's
// symbols), the run tells the cases apart: through the override only (interposable), bypassed
// only (bound, observed), both (mixed), neither (never called by the library in this run: inlined
// copies, which are never calls, and calls RUN never made look the same).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "check.hpp"
#include "collect.hpp"
#include "exec.hpp"
#include "loader_log.hpp"
#include "preload_env.hpp"
#include "private_dir.hpp"
#include "probe_report.hpp"

namespace interprobe {

namespace fs = std::filesystem;

namespace {
// libprobe.so's symbols, from symbols.def; in a build with the victim, the specimen's too
// (PROBE_EXTRA_SYMBOLS, tools/check/CMakeLists.txt: the build tree's probe is victim/probe/'s). A
// list of this file's own: symbols.hpp's tables are those of one probe_core, and a test binary
// may link either.
constexpr std::string_view kProbeSymbols[] = {
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) #name,
#include "symbols.def"
};
}  // namespace

bool probe_overrides(const std::string& symbol) {
  for (std::string_view s : kProbeSymbols)
    if (s == symbol) return true;
  return false;
}

std::string probe_symbol_list() {
  std::string out;
  for (std::string_view s : kProbeSymbols) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

namespace {

std::string first_line(const std::string& text) {
  auto end = text.find('\n');
  std::string line = text.substr(0, end);
  return line.empty() ? "(no output on stderr)" : line;
}

std::string join(const std::vector<std::string>& v, const char* sep = " ") {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

HalfResult check_runtime(const CheckRequest& req, const std::string& soname, std::string* error) {
  HalfResult r;
  PreloadStage stage;  // links for paths LD_PRELOAD cannot carry (a space in TMPDIR or a prefix)
  std::string problem;
  const std::string probe = stage.entry(req.probe, &problem);
  if (probe.empty()) {
    *error = fmt::format("cannot preload '{}': {}", req.probe, problem);
    return r;
  }
  const PrivateDir scratch = PrivateDir::temporary();
  if (scratch.empty()) {
    *error = "cannot create a temporary directory";
    return r;
  }
  const fs::path& dir = scratch.path();
  fs::create_directory(dir / "ld");
  fs::create_directory(dir / "reports");

  // The caller's LD_PRELOAD (fakeroot under dpkg-buildpackage, say) stays in both runs; only
  // stray PROBE_* settings are dropped so that the probed run is the same every time.
  Env base = without_probe(current_environment(), /*drop_preload=*/false);
  ExecOptions eo;
  eo.timeout = std::chrono::seconds(req.timeout_seconds);

  // The caller's own LD_DEBUG is dropped from the control run only (the loader's log is the
  // witness; without it "never loaded" could not be told).
  Env control_env = base;
  control_env.erase("LD_DEBUG");
  control_env.erase("LD_DEBUG_OUTPUT");
  add_loader_log(control_env, dir / "ld");
  ExecResult control = exec(req.command, control_env, eo);
  const std::string cmd = req.command[0];
  if (control.spawn_failed) {
    *error = "RUN command could not be started: " + spawn_failure_message(cmd, control.spawn_errno);
    return r;
  }
  if (!control.exited || control.exit_status != 0) {
    *error = fmt::format("RUN command fails without the probe ({}), so it can show nothing: {}",
                         control.describe(), first_line(control.err));
    return r;
  }
  const fs::path library = fs::absolute(req.library);
  std::vector<std::string> others;
  const bool loaded = loaded_library(read_loader_log(dir / "ld"), library, soname, others);
  if (!loaded) {
    *error = fmt::format("RUN command never loaded {}{}", library.string(),
                         others.empty() ? "" : " (it loaded another copy: " + join(others) + ")");
    return r;
  }
  // After the control run, so that a RUN command that cannot start or never loads the library
  // is reported as such whatever the symbols are.
  std::vector<std::string> via_probe, via_shim;
  for (auto& s : req.symbols) {
    const bool probe_can = probe_overrides(s);
    if (req.observer == Observer::probe && !probe_can) {
      *error = fmt::format(
          "cannot check '{}' at run time with libprobe.so: it does not override it (it overrides "
          "{}); leave --observer at auto or use --observer shim",
          s, probe_symbol_list());
      return r;
    }
    (req.observer == Observer::shim || (req.observer == Observer::automatic && !probe_can)
         ? via_shim
         : via_probe)
        .push_back(s);
  }
  if (!via_shim.empty() && !req.build_shim) {
    *error = fmt::format(
        "cannot check '{}' at run time: libprobe.so does not override it (it "
        "overrides {}) and no shim generator is available",
        via_shim.front(), probe_symbol_list());
    return r;
  }

  // One run with an override of `symbols`: the same end as the control run, then the calls that
  // reached the override, per symbol, from the library and from everything else.
  std::map<std::string, std::uint64_t> from_lib, from_others;
  // PROBE_BYPASS (the probe's half only): calls from the library that reached the definition
  // without the override, and whether the definition's entry could be counted at all.
  std::map<std::string, std::uint64_t> bypassed_from_lib;
  std::map<std::string, std::string> bypass_refused;
  std::set<std::string> bypass_counted;
  int report_count = 0;
  std::vector<std::string> runs;
  auto observe = [&](const Env& env, const fs::path& reports,
                     const std::vector<std::string>& symbols, const std::string& what) -> bool {
    ExecResult probed = exec(req.command, env, eo);
    if (probed.describe() != control.describe()) {
      *error = fmt::format("RUN command ends differently under {} ({}; without: {}): {}", what,
                           probed.describe(), control.describe(), first_line(probed.err));
      return false;
    }
    int count = 0;
    for (const ReadReport& rep : read_reports(reports, 0)) {
      const std::optional<ProbeReport>& parsed = rep.report;
      if (!parsed) {
        *error =
            fmt::format("unreadable report of {} from pid {}: {}", what, rep.file.pid, rep.error);
        return false;
      }
      ++count;
      for (auto& s : symbols) {
        auto it = parsed->calls.find(s);
        if (it == parsed->calls.end()) continue;
        for (auto& [object, n] : it->second)
          (is_library(object, library, soname) ? from_lib : from_others)[s] += n;
      }
      for (auto& s : symbols) {
        auto b = parsed->bypass.find(s);
        if (b == parsed->bypass.end()) continue;
        if (!b->second.patched) {
          bypass_refused[s] = b->second.same_as.empty() ? b->second.refused
                                                        : "counted as " + b->second.same_as;
          continue;
        }
        bypass_counted.insert(s);
        for (auto& [object, n] : b->second.bypassed)
          if (is_library(object, library, soname)) bypassed_from_lib[s] += n;
      }
    }
    if (count == 0) {
      *error = fmt::format("{} wrote no report for the RUN command (stderr: {})", what,
                           first_line(probed.err));
      return false;
    }
    report_count += count;
    runs.push_back(fmt::format("{} for {}", what, join(symbols, ", ")));
    return true;
  };

  if (!via_probe.empty()) {
    ProbeSettings ps;
    ps.probe = probe;
    ps.format = "json";
    ps.report_dir = (dir / "reports").string();
    ps.bypass = true;  // the calls bound inside the library are counted, not inferred
    if (!observe(probe_environment(base, ps), dir / "reports", via_probe, "the probe")) return r;
  }
  if (!via_shim.empty()) {
    const fs::path shim = dir / "shim" / "libinterprobe-shim.so";
    fs::create_directory(dir / "shim");
    fs::create_directory(dir / "shim-reports");
    try {
      req.build_shim(req.library, via_shim, shim.string());
    } catch (const std::exception& e) {
      *error = fmt::format("cannot build a shim for {}: {}", join(via_shim, ", "), e.what());
      return r;
    }
    const std::string shim_entry = stage.entry(shim.string(), &problem);
    if (shim_entry.empty()) {
      *error = fmt::format("cannot preload the shim '{}': {}", shim.string(), problem);
      return r;
    }
    const Env env = shim_environment(base, shim_entry, (dir / "shim-reports").string());
    if (!observe(env, dir / "shim-reports", via_shim, "the shim")) return r;
  }
  const std::string lib_name = library.filename().string();
  for (auto& s : req.symbols) {
    SymbolFinding f;
    const bool counted = bypass_counted.count(s) != 0;
    const std::uint64_t missed = counted ? bypassed_from_lib[s] : 0;
    if (counted)  // observed at both ends: the override and the definition
      f.found = from_lib[s] > 0   ? (missed > 0 ? Found::mixed : Found::interposable)
                : missed > 0      ? Found::bound
                                  : Found::never_called;
    else
      f.found = from_lib[s] > 0 ? Found::interposable : Found::bound;
    if (from_lib[s] == 0 && !counted) f.cause = Cause::not_observed;
    f.counts = {
        {"calls_from_library", from_lib[s]},
        {"calls_from_others", from_others[s]},
        {"observer",
         std::find(via_shim.begin(), via_shim.end(), s) != via_shim.end() ? "shim" : "probe"}};
    f.evidence = fmt::format("{} call(s) from {} reached the override ({} from other objects)",
                             from_lib[s], lib_name, from_others[s]);
    // Nothing anywhere: bound internal calls and a RUN command that never made one look the same
    // at run time; say so rather than let "bound" look like proof.
    if (counted && from_lib[s] == 0 && missed == 0)
      f.evidence += fmt::format(
          "; no call from {} reached its definition either: {} never called it in this run "
          "(inlined copies are never calls: the static half counts them)",
          lib_name, lib_name);
    else if (counted)
      ;  // the definition's count below says what the override missed
    else if (from_lib[s] == 0 && from_others[s] == 0)
      f.evidence += fmt::format(
          "; no call of {} reached the override at all, so this run cannot "
          "tell bound calls from calls RUN never made",
          s);
    else if (from_lib[s] == 0)
      f.evidence += fmt::format(
          "; at run time, calls bound inside {} and calls from {} that RUN never made look the "
          "same (the static half sees every call site)",
          lib_name, lib_name);
    if (counted && !(from_lib[s] == 0 && missed == 0)) {
      f.counts["bypassed_from_library"] = missed;
      f.evidence += fmt::format(
          "; at its definition, {} call(s) from {} bypassed the override (PROBE_BYPASS; inlined "
          "copies are never calls: the static half counts them)",
          missed, lib_name);
    } else if (counted) {
      f.counts["bypassed_from_library"] = 0;
    } else if (auto why = bypass_refused.find(s); why != bypass_refused.end()) {
      f.evidence += fmt::format("; bypassed calls not counted: {}", why->second);
    }
    r.findings[s] = f;
  }
  r.checked = true;
  r.note = fmt::format("ran `{}` without and with {} ({} process report(s))", join(req.command),
                       join(runs, ", then with "), report_count);
  return r;
}

}  // namespace interprobe
