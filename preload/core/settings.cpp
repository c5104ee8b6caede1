// settings.cpp — parsing of the PROBE_* variables; see settings.hpp.
#include "settings.hpp"

#include <fmt/format.h>

#include <strings.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

namespace probe {

namespace {

// Adds "interprobe: <variable>='<value>' <why>; using <default>" to `notices`.
void complain(Notices& notices, const char* var, const char* value, const char* why) {
  char line[512];
  auto r = fmt::format_to_n(line, sizeof line - 1, "interprobe: {}='{:.200}' {}", var, value, why);
  *r.out = '\0';
  notices.add(line);
}

bool parse_int(const char* s, long long lo, long long hi, long long& out) {
  if (*s == '\0') return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < lo || v > hi) return false;
  out = v;
  return true;
}

// "USR2", "SIGUSR2", "usr2" or the number: only the two user signals.
bool parse_signal(const char* s, int& out) {
  if (strncasecmp(s, "SIG", 3) == 0) s += 3;
  long long n = 0;
  if (strcasecmp(s, "USR1") == 0 || (parse_int(s, SIGUSR1, SIGUSR1, n))) {
    out = SIGUSR1;
    return true;
  }
  if (strcasecmp(s, "USR2") == 0 || (parse_int(s, SIGUSR2, SIGUSR2, n))) {
    out = SIGUSR2;
    return true;
  }
  return false;
}

}  // namespace

Settings parse_settings(GetEnv getenv_fn, bool secure, Notices& messages) {
  Settings s;
  s.secure = secure;
  long long v = 0;
  if (const char* e = getenv_fn("PROBE_BACKTRACE")) {
    if (parse_int(e, 0, Settings::kMaxBacktrace, v))
      s.backtrace = static_cast<unsigned>(v);
    else
      complain(messages, "PROBE_BACKTRACE", e,
               "is not a frame count from 0 to 64; using 0 (no backtraces)");
  }
  if (const char* e = getenv_fn("PROBE_TIME_OFFSET")) {
    if (parse_int(e, -Settings::kMaxTimeOffset, Settings::kMaxTimeOffset, v))
      s.time_offset = v;
    else
      complain(messages, "PROBE_TIME_OFFSET", e,
               "is not a whole number of seconds within +-100 years; using 0");
  }
  if (const char* e = getenv_fn("PROBE_FORMAT")) {
    if (std::strcmp(e, "json") == 0)
      s.format = Format::json;
    else if (std::strcmp(e, "text") != 0)
      complain(messages, "PROBE_FORMAT", e, "is neither 'text' nor 'json'; using text");
  }
  if (const char* e = getenv_fn("PROBE_REPORT")) {
    if (secure)
      complain(messages, "PROBE_REPORT", e,
               "is ignored in secure-execution (setuid/setgid) mode; writing to stderr");
    else if (*e == '\0')
      complain(messages, "PROBE_REPORT", e, "is empty; writing the report to stderr");
    else if (std::strlen(e) >= sizeof s.report_path)
      complain(messages, "PROBE_REPORT", e, "is longer than 4095 bytes; writing to stderr");
    else
      std::strcpy(s.report_path, e);
  }
  if (const char* e = getenv_fn("PROBE_REPORT_AS")) {
    if (std::strlen(e) >= sizeof s.report_as) {
      complain(messages, "PROBE_REPORT_AS", e, "is longer than 4095 bytes; showing PROBE_REPORT");
    } else {
      std::strcpy(s.report_as, e);
      s.report_as_set = true;
    }
  }
  if (const char* e = getenv_fn("PROBE_REPORT_SIGNAL")) {
    if (!parse_signal(e, s.report_signal))
      complain(messages, "PROBE_REPORT_SIGNAL", e, "is not USR1 or USR2; no report on demand");
  }
  if (const char* e = getenv_fn("PROBE_BYPASS")) {
    if (std::strcmp(e, "1") == 0)
      s.bypass = true;
    else if (std::strcmp(e, "0") != 0 && *e != '\0')
      complain(messages, "PROBE_BYPASS", e, "is neither 0 nor 1; not counting bypassed calls");
  }
  return s;
}

}  // namespace probe
