// preload_env.hpp — the one builder of a preloaded run's environment: libprobe.so or a generated
// shim prepended to LD_PRELOAD (never replacing it), the PROBE_* / PROBE_SHIM_* settings, and
// the LD_PRELOAD entries for files whose own path ld.so cannot take.
//
// Why prepended: the preload's definitions come first in the search order, so they are the ones
// the loader binds; the user's own preloads (fakeroot under dpkg-buildpackage, a sanitizer
// runtime) stay in the list, after it, and still load. Why a private report directory: the probe
// writes one report per process at exit and never overwrites a file (preload/README.md).
// Pointing PROBE_REPORT at `<dir>/report.%p.%m` gives every process of the command (fork
// children, exec'd helpers) and every preloaded module in it (libprobe.so, a shim: %m is the
// module's file name) its own file, and lets the caller tell the command's own process (the pid
// it spawned) from its descendants afterwards (tools/reports/collect.hpp).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "private_dir.hpp"
#include "exec.hpp"

namespace interprobe {

// `path` put first in env's LD_PRELOAD; an existing value is kept after it, separated by ':'.
void prepend_preload(Env& env, const std::string& path);

struct ProbeSettings {
  std::string probe;                     // libprobe.so, absolute
  std::optional<std::string> format;     // PROBE_FORMAT
  std::optional<unsigned> backtrace;     // PROBE_BACKTRACE
  std::optional<long long> time_offset;  // PROBE_TIME_OFFSET
  bool bypass = false;                   // PROBE_BYPASS=1 when set
  std::string report_dir;                // PROBE_REPORT=<dir>/report.%p.%m if not empty
  std::string report_file;               // else PROBE_REPORT=<file> if not empty (one process)
  // PROBE_REPORT_AS: the path the reports' settings.report shows (the user's --report; "" for
  // stderr), since PROBE_REPORT points into the private directory.
  std::optional<std::string> report_as;
};

// `base` with libprobe.so prepended to LD_PRELOAD and the PROBE_* variables of `s` set. Settings
// left unset keep the caller's PROBE_* values; PROBE_REPORT is replaced when s.report_dir is set.
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
  PreloadStage(const PreloadStage&) = delete;
  PreloadStage& operator=(const PreloadStage&) = delete;
  // `path` itself if LD_PRELOAD can carry it, else a link to it; empty, with the reason in
  // *problem, if the file cannot be preloaded (preload_path_problem) or no such directory can be
  // made.
  std::string entry(const std::string& path, std::string* problem);

 private:
  PrivateDir dir_;
};

// True if an LD_PRELOAD entry can be `path` as it is: absolute, without ' ' or ':'.
bool preload_entry_ok(const std::string& path);

}  // namespace interprobe
