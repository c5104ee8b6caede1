// probe_run.hpp — run one command under libprobe.so the way `interprobe run` and `interprobe check`
// do: the environment (LD_PRELOAD prepended, PROBE_* settings), a spawn that leaves the command's
// stdin/stdout/stderr alone, and the per-process reports collected from a private directory.
//
// Why a private report directory: the probe writes one report per process at exit and never
// overwrites a file (preload/README.md). Pointing PROBE_REPORT at `<dir>/report.%p.%m` gives every
// process of the command (fork children, exec'd helpers) and every preloaded module in it
// (libprobe.so, a shim: %m is the module's file name) its own file, and lets the caller tell the
// command's own process (the pid it spawned) from its descendants afterwards.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "exec.hpp"

namespace interprobe {

struct ProbeSettings {
  std::string probe;                     // libprobe.so, absolute
  std::optional<std::string> format;     // PROBE_FORMAT
  std::optional<unsigned> backtrace;     // PROBE_BACKTRACE
  std::optional<long long> time_offset;  // PROBE_TIME_OFFSET
  std::string report_dir;                // PROBE_REPORT=<dir>/report.%p.%m if not empty
  // PROBE_REPORT_AS: the path the reports' settings.report shows (the user's --report; "" for
  // stderr), since PROBE_REPORT points into the private directory.
  std::optional<std::string> report_as;
};

// `base` with libprobe.so prepended to LD_PRELOAD (an existing value is kept after it, separated
// by ':') and the PROBE_* variables of `s` set. Settings left unset keep the caller's PROBE_*
// values; PROBE_REPORT is replaced when s.report_dir is set.
Env probe_environment(const Env& base, const ProbeSettings& s);

// `base` with a generated shim (interprobe shim) prepended to LD_PRELOAD and its JSON reports
// going to <report_dir>/report.%p.%m (PROBE_SHIM_FORMAT, PROBE_SHIM_REPORT: docs/SHIM.md).
Env shim_environment(const Env& base, const std::string& shim, const std::string& report_dir);

// Empty if `path` can be an LD_PRELOAD entry; otherwise why not (ld.so splits the list on ' '
// and ':', so no entry can contain either; a relative entry would depend on the command's cwd).
std::string preload_path_problem(const std::string& path);

// How a spawned command ended, shell-style.
struct ChildStatus {
  bool started = false;
  int spawn_errno = 0;  // valid if !started
  int pid = 0;
  bool exited = false;
  int exit_status = 0;
  int term_signal = 0;
  // The status a shell would give: the exit status, 128+signal, 127 not found, 126 not runnable.
  int shell_status() const;
};

// Runs argv (a bare name is looked up in PATH) with `env`, inheriting stdin/stdout/stderr, and
// waits. SIGINT and SIGQUIT are ignored while waiting, as system(3) does, so that a Ctrl-C reaches
// the command (same process group) and its death is reported rather than ours.
ChildStatus spawn_and_wait(const std::vector<std::string>& argv, const Env& env);

// The shell's one-line message for a command that could not be started:
// "CMD: command not found" (127), "CMD: Permission denied" (126), ...
std::string spawn_failure_message(const std::string& command, int spawn_errno);

// One report file the probe (or a shim) wrote into a report directory.
struct CollectedReport {
  int pid = 0;
  std::string module;  // what follows "report.<pid>." (the %m part), "" for report.<pid>
  std::filesystem::path file;
};

// The reports in `dir` (files named report.<pid> or report.<pid>.<module>), the ones of
// `main_pid` first, then by pid, then by module.
std::vector<CollectedReport> collect_reports(const std::filesystem::path& dir, int main_pid);

// A fresh private directory `<parent>/.interprobe-XXXXXX` (mode 0700); empty path on failure.
std::filesystem::path make_private_dir(const std::filesystem::path& parent);

}  // namespace interprobe
