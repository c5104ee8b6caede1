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

#include <signal.h>

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
  bool bypass = false;                   // PROBE_BYPASS=1 when set
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

// Empty if the file at `path` can be preloaded; otherwise why not: not absolute (a relative entry
// would depend on the command's cwd), unreadable, or not a shared library of this machine (ld.so
// would print an error and run the command without it). A ' ' or ':' in the path is no problem
// here: PreloadStage links such a file to a path ld.so can take.
std::string preload_path_problem(const std::string& path);

// LD_PRELOAD entries for files whose own path ld.so cannot take. ld.so splits LD_PRELOAD on ' '
// and ':' (ld.so(8): "separated by spaces or colons"; no quoting), so libprobe.so installed under
// "/opt/moved prefix/", or a shim built in a TMPDIR with a space in it, cannot be named there
// as it is. Such a file gets a symbolic link under its own file name in a private directory whose
// path can be an entry: $TMPDIR if it can, else /tmp, /var/tmp, /dev/shm. The directory is
// removed with the object, after the command has ended.
class PreloadStage {
 public:
  PreloadStage() = default;
  ~PreloadStage();
  PreloadStage(const PreloadStage&) = delete;
  PreloadStage& operator=(const PreloadStage&) = delete;
  // `path` itself if LD_PRELOAD can carry it, else a link to it; empty, with the reason in
  // *problem, if the file cannot be preloaded (preload_path_problem) or no such directory can be
  // made.
  std::string entry(const std::string& path, std::string* problem);

 private:
  std::filesystem::path dir_;
};

// True if an LD_PRELOAD entry can be `path` as it is: absolute, without ' ' or ':'.
bool preload_entry_ok(const std::string& path);

// How a spawned command ended, shell-style.
struct ChildStatus {
  bool started = false;
  int spawn_errno = 0;  // valid if !started
  int pid = 0;
  bool exited = false;
  int exit_status = 0;
  int term_signal = 0;
  // A SIGTERM or SIGHUP reached us (ForwardTermination) before the command was started: it was
  // not started, and the status is 128 + that signal.
  int stopped_by = 0;
  // The status a shell would give: the exit status, 128+signal, 127 not found, 126 not runnable.
  int shell_status() const;
};

// Runs argv (a bare name is looked up in PATH) with `env`, inheriting stdin/stdout/stderr, and
// waits. SIGINT and SIGQUIT are ignored while waiting, as system(3) does: the terminal sends a
// Ctrl-C to the whole foreground process group, the command included, and its death is reported
// rather than ours. SIGTERM and SIGHUP, which usually come to one process (kill, timeout(1),
// systemd, a closed terminal's shell), are forwarded to the command; see ForwardTermination
// for those that come before it starts.
ChildStatus spawn_and_wait(const std::vector<std::string>& argv, const Env& env);

// While one exists, SIGTERM and SIGHUP sent to this process do not end it. spawn_and_wait()
// forwards those that come while the command runs (it takes them with sigwaitinfo(), whether or
// not a ForwardTermination exists); one that comes before is remembered, spawn_and_wait() then
// does not start the command (ChildStatus::stopped_by), and the caller still removes its private
// directories. The command's end decides the exit status, as for any command that dies of a
// signal (128+N, or whatever it does on SIGTERM). One at a time: the handler is process-wide.
class ForwardTermination {
 public:
  ForwardTermination();
  ~ForwardTermination();
  ForwardTermination(const ForwardTermination&) = delete;
  ForwardTermination& operator=(const ForwardTermination&) = delete;
  // The first SIGTERM or SIGHUP received while it existed; 0 if none.
  static int received();

 private:
  struct sigaction old_term_ {
  }, old_hup_{};
};

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
