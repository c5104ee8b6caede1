// time_hooks.cpp — time, gettimeofday and clock_gettime, shifted by PROBE_TIME_OFFSET.
//
// The offset applies to the wall clock only (time, gettimeofday, CLOCK_REALTIME and
// CLOCK_REALTIME_COARSE); monotonic and CPU clocks are left alone, as libfaketime does by default
// for them, because programs use them to measure intervals. Calls made inside glibc (e.g. by
// strftime) never reach these hooks: glibc binds them to hidden aliases.
#include "real.hpp"

using probe::Symbol;
namespace real = probe::real;

PROBE_EXPORT time_t time(time_t* out) {
  probe::note(Symbol::time, PROBE_RETURN_ADDRESS());
  time_t now = real::time != nullptr ? real::time(nullptr) : 0;
  now += static_cast<time_t>(probe::settings().time_offset);
  if (out != nullptr) *out = now;
  return now;
}

PROBE_EXPORT int gettimeofday(struct timeval* tv, void* tz) {
  probe::note(Symbol::gettimeofday, PROBE_RETURN_ADDRESS());
  int rc = real::gettimeofday(tv, tz);
  if (rc == 0 && tv != nullptr) tv->tv_sec += static_cast<time_t>(probe::settings().time_offset);
  return rc;
}

PROBE_EXPORT int clock_gettime(clockid_t clock, struct timespec* ts) {
  probe::note(Symbol::clock_gettime, PROBE_RETURN_ADDRESS());
  int rc = real::clock_gettime(clock, ts);
  if (rc == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE))
    ts->tv_sec += static_cast<time_t>(probe::settings().time_offset);
  return rc;
}
