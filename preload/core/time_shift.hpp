// time_shift.hpp — PROBE_TIME_OFFSET's arithmetic: wall-clock times between the program's view
// (the real time plus the offset) and the kernel's, in both directions.
//
// The hooks shift what the program reads from a realtime clock forward, and every wall-clock time
// the program hands back to the kernel — a clock setting, an absolute deadline — back, so that
// the offset never reaches the real clock (issue 11: CPython's test_time set the machine's clock
// back a day per test) and an absolute timeout computed from a shifted reading lasts as long as
// it would have without the probe. docs/RELIABILITY.md "Time offset" lists the calls.
//
// The offset is a whole number of seconds (Settings::kMaxTimeOffset: ±100 years), so only
// tv_sec ever changes: tv_nsec/tv_usec reach the kernel exactly as given, and an invalid one fails
// there as it would without the probe. What needs care is the range:
//   - reads and deadlines saturate at the limits of time_t instead of wrapping (a program that
//     waits "forever" passes {TIME_T_MAX, 0}: shifted back by a negative offset it must stay
//     TIME_T_MAX, not wrap into the past and return at once);
//   - a deadline that is not negative never becomes negative: shifted back by a large positive
//     offset, a deadline in the past stays in the past (the kernel returns at once) instead of
//     becoming invalid (clock_nanosleep and futex refuse tv_sec < 0 with EINVAL);
//   - a clock setting is exact or impossible: the real clock cannot be set to a time before
//     1970 or beyond time_t, and the caller then gets EINVAL, as the kernel gives for an
//     invalid time.
#pragma once

#include <pthread.h>
#include <time.h>

#include <cstdint>
#include <limits>

namespace probe {

// CLOCK_REALTIME and the clocks that read it (COARSE) or fire by it (ALARM). Not CLOCK_TAI (the
// kernel's TAI = realtime + the TAI offset; left unshifted, as are the monotonic and CPU clocks).
constexpr bool is_realtime_clock(clockid_t c) {
  return c == CLOCK_REALTIME || c == CLOCK_REALTIME_COARSE || c == CLOCK_REALTIME_ALARM;
}

namespace time_shift_detail {
constexpr std::int64_t kMax = std::numeric_limits<time_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<time_t>::min();
constexpr std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  if (b > 0 && a > kMax - b) return kMax;
  if (b < 0 && a < kMin - b) return kMin;
  return a + b;
}
}  // namespace time_shift_detail

// A second read from the kernel, as the program sees it: sec + offset (saturating).
constexpr time_t to_program(time_t sec, std::int64_t offset) {
  return static_cast<time_t>(time_shift_detail::saturating_add(sec, offset));
}

// An absolute deadline from the program, as the kernel must get it: sec - offset (saturating;
// a deadline >= 0 stays >= 0).
constexpr time_t deadline_to_kernel(time_t sec, std::int64_t offset) {
  // -offset cannot overflow: |offset| <= kMaxTimeOffset.
  std::int64_t k = time_shift_detail::saturating_add(sec, -offset);
  if (sec >= 0 && k < 0) k = 0;
  return static_cast<time_t>(k);
}

// A clock setting from the program (clock_settime, settimeofday), as the kernel must get it:
// sec - offset exactly, in `out`; false if that time cannot be set (before 1970 or beyond time_t).
constexpr bool setting_to_kernel(time_t sec, std::int64_t offset, time_t& out) {
  std::int64_t k = 0;
  if (__builtin_sub_overflow(static_cast<std::int64_t>(sec), offset, &k) || k < 0) return false;
  out = static_cast<time_t>(k);
  return true;
}

// The clock a condition variable waits by. pthread_cond_timedwait does not name it: it was chosen
// by pthread_condattr_setclock and glibc (2.25+) keeps it in bit 1 of __data.__wrefs
// (__PTHREAD_COND_CLOCK_MONOTONIC_MASK in nptl; bit 0 is process-shared). Set once by
// pthread_cond_init, never changed; tests/unit/time_shift_test.cpp holds it to glibc.
inline bool condvar_uses_realtime(const pthread_cond_t* c) {
  return (__atomic_load_n(&c->__data.__wrefs, __ATOMIC_RELAXED) & 2u) == 0;
}

}  // namespace probe
