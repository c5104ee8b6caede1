// time_shift.hpp (hooks) — what the time hooks share: the offset in effect and the copies of the
// caller's times that reach the real function shifted (core/time_shift.hpp does the arithmetic).
// A hook never writes into the caller's input: it shifts a copy and passes that.
#pragma once

#include <sys/time.h>
#include <time.h>

#include "../core/time_shift.hpp"
#include "runtime.hpp"

namespace probe {

inline std::int64_t time_offset() { return settings().time_offset; }

// Whether `p` is null, for arguments glibc declares nonnull (gettimeofday's, clock_settime's):
// the compiler would drop a plain test, and a program that passes NULL anyway must get the real
// function's answer (EFAULT), not a crash in the hook. The empty asm hides the attribute.
template <typename T>
inline bool is_null(T* p) {
  __asm__("" : "+r"(p));
  return p == nullptr;
}

// `t` itself, or a shifted copy in `copy` when it is an absolute deadline on a realtime clock and
// an offset is set.
inline const timespec* kernel_deadline(const timespec* t, bool realtime, timespec& copy) {
  const std::int64_t off = time_offset();
  if (is_null(t) || !realtime || off == 0) return t;
  copy = *t;
  copy.tv_sec = deadline_to_kernel(t->tv_sec, off);
  return &copy;
}

// The same for a timer's new setting with TIMER_ABSTIME: only it_value is a time ({0, 0} disarms
// the timer and must stay {0, 0}); it_interval is a length.
inline const itimerspec* kernel_timer(const itimerspec* v, bool abs_realtime, itimerspec& copy) {
  if (is_null(v) || (v->it_value.tv_sec == 0 && v->it_value.tv_nsec == 0)) return v;
  timespec value;
  const timespec* k = kernel_deadline(&v->it_value, abs_realtime, value);
  if (k == &v->it_value) return v;
  copy = *v;
  copy.it_value = value;
  return &copy;
}

// A second the kernel returned, as the program sees it.
inline time_t program_seconds(time_t sec) { return to_program(sec, time_offset()); }

}  // namespace probe
