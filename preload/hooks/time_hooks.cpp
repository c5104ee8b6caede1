// time_hooks.cpp — the realtime clock read and set, shifted by PROBE_TIME_OFFSET.
//
// Readers (time, gettimeofday, clock_gettime and timespec_get on the realtime clocks, and the
// current time that adjtimex, ntp_adjtime, clock_adjtime and ntp_gettimex report) add the offset;
// clock_settime and settimeofday take it off again, so that the offset never reaches the real
// clock (issue 11: test_time wrote a shifted reading back as root). Deltas (adjtime, adjtimex's
// ADJ_SETOFFSET) pass untouched: they move the real clock and the shifted one alike. Absolute
// deadlines are in deadline_hooks.cpp and timer_hooks.cpp. Monotonic, CPU and TAI clocks are left
// alone (programs measure intervals with them). Calls made inside glibc use its hidden aliases
// and never reach these hooks.
#include <cerrno>

#include "real.hpp"
#include "time_shift.hpp"

using probe::Symbol;
namespace real = probe::real;

PROBE_EXPORT time_t time(time_t* out) {
  probe::note(Symbol::time, PROBE_RETURN_ADDRESS());
  time_t now = real::time(nullptr);
  if (now == time_t(-1)) return now;  // time(2): (time_t)-1 and errno, *out untouched
  now = probe::program_seconds(now);
  if (out != nullptr) *out = now;
  return now;
}

PROBE_EXPORT int gettimeofday(struct timeval* tv, void* tz) {
  probe::note(Symbol::gettimeofday, PROBE_RETURN_ADDRESS());
  int rc = real::gettimeofday(tv, tz);
  if (rc == 0 && !probe::is_null(tv)) tv->tv_sec = probe::program_seconds(tv->tv_sec);
  return rc;
}

PROBE_EXPORT int clock_gettime(clockid_t clock, struct timespec* ts) {
  probe::note(Symbol::clock_gettime, PROBE_RETURN_ADDRESS());
  int rc = real::clock_gettime(clock, ts);
  if (rc == 0 && probe::is_realtime_clock(clock)) ts->tv_sec = probe::program_seconds(ts->tv_sec);
  return rc;
}

// C11's clock: glibc's own timespec_get reads the clock through a hidden alias, so an override of
// clock_gettime alone would leave it unshifted.
PROBE_EXPORT int timespec_get(struct timespec* ts, int base) {
  probe::note(Symbol::timespec_get, PROBE_RETURN_ADDRESS());
  int rc = real::timespec_get(ts, base);
  if (rc == TIME_UTC) ts->tv_sec = probe::program_seconds(ts->tv_sec);
  return rc;
}

// adjtimex and its relatives report the current realtime in `time` whatever the modes (the
// kernel fills it after any adjustment); its input in `time` is only ever a delta.
PROBE_EXPORT int adjtimex(struct timex* tx) {
  probe::note(Symbol::adjtimex, PROBE_RETURN_ADDRESS());
  int rc = real::adjtimex(tx);
  if (rc != -1) tx->time.tv_sec = probe::program_seconds(tx->time.tv_sec);
  return rc;
}

PROBE_EXPORT int clock_adjtime(clockid_t clock, struct timex* tx) {
  probe::note(Symbol::clock_adjtime, PROBE_RETURN_ADDRESS());
  int rc = real::clock_adjtime(clock, tx);
  if (rc != -1 && probe::is_realtime_clock(clock))
    tx->time.tv_sec = probe::program_seconds(tx->time.tv_sec);
  return rc;
}

PROBE_EXPORT int ntp_adjtime(struct timex* tx) {  // glibc: another name of adjtimex
  probe::note(Symbol::ntp_adjtime, PROBE_RETURN_ADDRESS());
  int rc = real::ntp_adjtime(tx);
  if (rc != -1) tx->time.tv_sec = probe::program_seconds(tx->time.tv_sec);
  return rc;
}

// <sys/timex.h> redirects ntp_gettime to ntp_gettimex: programs built since glibc 2.12 call this
// one (the old ntp_gettime@GLIBC_2.2.5, with a shorter struct, is not hooked).
PROBE_EXPORT int ntp_gettimex(struct ntptimeval* ntv) {
  probe::note(Symbol::ntp_gettimex, PROBE_RETURN_ADDRESS());
  int rc = real::ntp_gettimex(ntv);
  if (rc != -1) ntv->time.tv_sec = probe::program_seconds(ntv->time.tv_sec);
  return rc;
}

PROBE_EXPORT int clock_settime(clockid_t clock, const struct timespec* ts) {
  probe::note(Symbol::clock_settime, PROBE_RETURN_ADDRESS());
  const std::int64_t off = probe::time_offset();
  if (probe::is_null(ts) || off == 0 || !probe::is_realtime_clock(clock))
    return real::clock_settime(clock, ts);
  timespec k = *ts;
  if (!probe::setting_to_kernel(ts->tv_sec, off, k.tv_sec)) return errno = EINVAL, -1;
  return real::clock_settime(clock, &k);
}

PROBE_EXPORT int settimeofday(const struct timeval* tv, const struct timezone* tz) {
  probe::note(Symbol::settimeofday, PROBE_RETURN_ADDRESS());
  const std::int64_t off = probe::time_offset();
  if (probe::is_null(tv) || off == 0) return real::settimeofday(tv, tz);  // tz only, or no offset
  timeval k = *tv;
  if (!probe::setting_to_kernel(tv->tv_sec, off, k.tv_sec)) return errno = EINVAL, -1;
  return real::settimeofday(&k, tz);
}

PROBE_EXPORT int clock_nanosleep(clockid_t clock, int flags, const struct timespec* t,
                                 struct timespec* rem) {
  probe::note(Symbol::clock_nanosleep, PROBE_RETURN_ADDRESS());
  timespec k;
  const bool abs_realtime = (flags & TIMER_ABSTIME) != 0 && probe::is_realtime_clock(clock);
  return real::clock_nanosleep(clock, flags, probe::kernel_deadline(t, abs_realtime, k), rem);
}
