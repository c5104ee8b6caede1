// run_command.cpp — `interprobe run [options] -- CMD ARGS...`: runs a command under libprobe.so
// and prints (to stderr) or writes (--report) the probe's report. The command's stdin, stdout,
// stderr and exit status are its own: the status passes through, a signal death becomes
// 128+signal, a command that cannot be started gives the shell's 127/126; SIGTERM and SIGHUP are
// forwarded to it (tools/process/exec.hpp, ForwardTermination). docs/cli/run.md. With
// --shim-for, tools/check/shim_for.hpp does the work and this file prints what it returns.
#include <fmt/format.h>
#include <string.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "artifacts.hpp"
#include "collect.hpp"
#include "commands.hpp"
#include "exec.hpp"
#include "preload_env.hpp"
#include "private_dir.hpp"
#include "settings.hpp"
#include "shim_for.hpp"

namespace interprobe::cli {

namespace {

namespace fs = std::filesystem;

struct RunOptions {
  std::string probe = Artifacts::locate().probe;
  std::string report;
  std::string format;
  int backtrace = -1;
  long long time_offset = 0;
  bool time_offset_set = false;
  bool bypass = false;
  std::vector<std::string> command;
  std::string shim_for;  // --shim-for LIB: tools/check/shim_for.hpp instead of libprobe.so
  std::vector<std::string> symbols;  // --symbols a,b: with --shim-for, only these functions
};

// --report PATH: the command's own report replaces PATH, atomically (rename in PATH's
// directory), so a reader never sees half a report; descendants' reports go to PATH.<pid>, and
// reports of other preloaded modules (a shim in the user's LD_PRELOAD) to PATH.<pid>.<module>.
// Returns false (after saying why) if the command's own process left no report.
bool deliver_reports(const std::vector<CollectedReport>& reports, int main_pid,
                     const std::string& probe_module, const fs::path& target) {
  bool main_found = false;
  for (auto& r : reports) {
    const bool probe = r.module == probe_module;
    fs::path dest = r.pid == main_pid && probe
                        ? target
                        : fs::path(target.string() + "." + std::to_string(r.pid) +
                                   (probe ? "" : "." + r.module));
    std::error_code ec;
    fs::rename(r.file, dest, ec);
    if (ec) {
      fmt::print(stderr, "interprobe run: cannot write the report to '{}': {}\n", dest.string(),
                 ec.message());
      continue;
    }
    if (r.pid == main_pid && probe) main_found = true;
  }
  return main_found;
}

// Without --report: on stderr; with --report -: on stdout, after the command's own output.
void print_reports(const std::vector<CollectedReport>& reports, std::ostream& out) {
  for (auto& r : reports) out << slurp(r.file);
  out.flush();
}

// --shim-for LIB: the notices on stderr, then the table on stderr or in --report PATH (written
// beside PATH and renamed over it, as the probe's report is).
int print_shim_for(const ShimForOutcome& r, const std::string& report) {
  for (const std::string& notice : r.notices) fmt::print(stderr, "{}\n", notice);
  if (!r.table) return r.status;
  if (report.empty()) {
    std::cerr << *r.table;
    std::cerr.flush();
  } else if (const std::string why = replace_file(fs::absolute(report), *r.table); !why.empty()) {
    fmt::print(stderr, "interprobe run: cannot write '{}': {}\n", report, why);
  }
  return r.status;
}

int run(const RunOptions& opt) {
  // From here on a SIGTERM or SIGHUP goes to the command, or stops us before it starts; either
  // way the private directories below are removed (docs/cli/run.md, "Signals").
  ForwardTermination forward;
  if (!opt.shim_for.empty())
    return print_shim_for(run_shim_for(ShimForOptions{opt.shim_for, opt.report, opt.format, "",
                                                      opt.symbols, opt.bypass, opt.command}),
                          opt.report);
  PreloadStage stage;
  std::string problem;
  const std::string probe = stage.entry(opt.probe, &problem);
  if (probe.empty()) {
    fmt::print(stderr, "interprobe run: cannot preload '{}': {}\n", opt.probe, problem);
    return 2;
  }
  fs::path target;
  PrivateDir dir;  // the reports, removed at the end
  const bool to_stdout = opt.report == "-";
  if (!opt.report.empty() && !to_stdout) {
    target = fs::absolute(opt.report);
    std::error_code ec;
    if (fs::is_directory(target, ec)) {
      fmt::print(stderr, "interprobe run: --report '{}' is a directory\n", opt.report);
      return 2;
    }
    dir = PrivateDir(target.parent_path());  // beside PATH: the command's report is renamed there
    if (dir.empty()) {
      fmt::print(stderr, "interprobe run: cannot write the report next to '{}': {}\n", opt.report,
                 strerror(errno));
      return 2;
    }
  } else {
    dir = PrivateDir::temporary();
    if (dir.empty()) {
      fmt::print(stderr, "interprobe run: cannot create a temporary directory: {}\n",
                 strerror(errno));
      return 2;
    }
  }

  ProbeSettings s;
  s.probe = probe;
  if (!opt.format.empty()) s.format = opt.format;
  if (opt.backtrace >= 0) s.backtrace = static_cast<unsigned>(opt.backtrace);
  if (opt.time_offset_set) s.time_offset = opt.time_offset;
  s.bypass = opt.bypass;
  s.report_dir = dir.path().string();
  s.report_as = to_stdout ? "-" : target.string();  // what settings.report shows: the user's path
  const ChildStatus st = spawn_and_wait(opt.command, probe_environment(current_environment(), s));
  if (st.stopped_by != 0) {
    fmt::print(stderr, "interprobe run: {} before {} was started; not run\n",
               strsignal(st.stopped_by), opt.command[0]);
  } else if (!st.started) {
    fmt::print(stderr, "interprobe: {}\n", spawn_failure_message(opt.command[0], st.spawn_errno));
  } else {
    auto reports = collect_reports(dir.path(), st.pid);
    const std::string probe_module = fs::path(opt.probe).filename().string();  // %m
    bool main_found = std::any_of(reports.begin(), reports.end(), [&](auto& r) {
      return r.pid == st.pid && r.module == probe_module;
    });
    if (!target.empty())
      main_found = deliver_reports(reports, st.pid, probe_module, target) && main_found;
    else
      print_reports(reports, to_stdout ? std::cout : std::cerr);
    if (!st.exited)
      fmt::print(stderr, "interprobe run: {} was killed by signal {} ({})\n", opt.command[0],
                 st.term_signal, strsignal(st.term_signal));
    if (!main_found) {
      // The probe reports from its exit handler: a fatal signal, _exit() or a setuid command
      // (PROBE_REPORT ignored, report on the command's stderr) leaves no file.
      fmt::print(stderr,
                 "interprobe run: no report from {} (pid {}){}: the probe reports when the "
                 "process exits normally, not after _exit(), a fatal signal or exec into a "
                 "setuid program\n",
                 opt.command[0], st.pid,
                 target.empty() ? "" : fmt::format("; '{}' was not written", target.string()));
    }
  }
  return st.shell_status();
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto opt = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run CMD ARGS... with libprobe.so preloaded (prepended to any LD_PRELOAD already set) and "
      "print its report on stderr when the command ends, or write it to --report PATH. The "
      "command's stdin, stdout and stderr are its own; SIGTERM and SIGHUP sent to interprobe "
      "are forwarded to it (Ctrl-C reaches it directly), and its exit status is interprobe's.");
  cmd->add_option("--report", opt->report,
                  "Write the command's report to PATH instead of stderr, replacing an existing "
                  "file (atomically, by rename); reports of its child processes go to "
                  "PATH.<pid>, those of other preloaded modules to PATH.<pid>.<module>. PATH is "
                  "literal (no %p expansion); - means stdout, after the command's output.")
      ->option_text("PATH");
  cmd->add_option("--format", opt->format, "Report format (PROBE_FORMAT); default text.")
      ->check(CLI::IsMember({"text", "json"}))
      ->option_text("text|json");
  cmd->add_option(
         "--backtrace", opt->backtrace,
         "Keep up to N frames of the call stack of each distinct call site (PROBE_BACKTRACE).")
      ->check(CLI::Range(0, 64))
      ->option_text("N");
  cmd->add_option("--time-offset", opt->time_offset,
                  "Add S seconds to the wall clock the command reads, and take them off the "
                  "times it sets or waits until (PROBE_TIME_OFFSET; see the README).")
      ->check(CLI::Range(-probe::Settings::kMaxTimeOffset, probe::Settings::kMaxTimeOffset))
      ->each([opt](const std::string&) { opt->time_offset_set = true; })
      ->option_text("S");
  cmd->add_flag("--bypass", opt->bypass,
                "Also count, at each hooked function's real definition, the calls that reached "
                "it without passing the override, per calling object (PROBE_BYPASS=1; "
                "docs/BYPASS.md). With --shim-for: at each of LIB's functions the shim "
                "trampolines.");
  CLI::Option* probe =
      with_default(
          cmd->add_option("--probe", opt->probe, "libprobe.so to preload (an absolute path)."),
          "the libprobe.so installed with this interprobe, else the build tree's")
          ->option_text("PATH");
  cmd->add_option("--shim-for", opt->shim_for,
                  "Instead of libprobe.so, preload a shim generated for every exported function "
                  "of LIB and show, per function called, the calls from outside LIB (an "
                  "override takes them) next to LIB's own call sites of it (PLT/GOT, direct, "
                  "inlined: what an override would not see). --format json for JSON; --report "
                  "PATH writes the table there.")
      ->excludes(probe)
      ->excludes("--backtrace")
      ->excludes("--time-offset")
      ->option_text("LIB");
  cmd->add_option("--symbols", opt->symbols,
                  "With --shim-for: trampoline (and with --bypass, patch) only these functions of "
                  "LIB, comma-separated, instead of every exported one.")
      ->delimiter(',')
      ->needs("--shim-for")
      ->option_text("a,b");
  cmd->add_option("command", opt->command,
                  "The command and its arguments; put them after '--' so that their options are "
                  "not read as interprobe's.")
      ->required();
  cmd->positionals_at_end();
  cmd->footer(
      "Settings not given keep the caller's PROBE_* environment; PROBE_REPORT is always managed by "
      "`run`. Examples:\n  interprobe run -- ls -l\n  interprobe run --format json --report "
      "ls.json -- ls -l\n  interprobe run --shim-for /usr/lib/x86_64-linux-gnu/libz.so.1 -- "
      "python3 -c 'import zlib'");
  cmd->callback([opt] { set_exit_status(run(*opt)); });
}

}  // namespace interprobe::cli
