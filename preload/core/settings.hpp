// settings.hpp — the PROBE_* environment, parsed once at start-up without touching the heap.
//
// A value that does not parse yields one message naming the variable and the value, and the
// default is used. In secure-execution mode (AT_SECURE: setuid/setgid) PROBE_REPORT is ignored,
// so that no environment-chosen path is ever written by a privileged process.
// PROBE_REPORT_SIGNAL accepts only SIGUSR1 and SIGUSR2 (as USR1, SIGUSR1 or the number): signals
// whose default action ends the process and that no library is expected to own.
#pragma once

#include <cstddef>
#include <cstdint>

#include "notices.hpp"

namespace probe {

enum class Format { text, json };

struct Settings {
  static constexpr std::size_t kMaxBacktrace = 64;
  static constexpr std::int64_t kMaxTimeOffset = 100LL * 366 * 24 * 3600;  // ±100 years

  unsigned backtrace = 0;         // PROBE_BACKTRACE: frames kept per distinct call site; 0 = off
  std::int64_t time_offset = 0;   // PROBE_TIME_OFFSET: seconds added to the realtime clocks
  Format format = Format::text;   // PROBE_FORMAT: text | json
  char report_path[4096] = {};    // PROBE_REPORT: empty = stderr; %p = pid, %m = module
  // PROBE_REPORT_AS: the path shown as settings.report instead of report_path (interprobe run
  // points PROBE_REPORT into a private directory and moves the report to the user's path).
  char report_as[4096] = {};
  bool report_as_set = false;
  bool secure = false;            // AT_SECURE was set: report_path is never used
  int report_signal = 0;          // PROBE_REPORT_SIGNAL: USR1 | USR2 (signal number); 0 = off
  bool bypass = false;            // PROBE_BYPASS: 1 = count the calls that bypass the hooks
};

using GetEnv = const char* (*)(const char*);

// Parses the PROBE_* variables obtained through getenv_fn; one notice per value that does not
// parse (notices.hpp: they go into the report).
Settings parse_settings(GetEnv getenv_fn, bool secure, Notices& notices);

}  // namespace probe
