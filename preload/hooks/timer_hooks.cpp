// timer_hooks.cpp — POSIX timers and timerfds armed with an absolute realtime deadline
// (TIMER_ABSTIME, TFD_TIMER_ABSTIME), shifted back by PROBE_TIME_OFFSET like deadline_hooks.cpp.
//
// timer_settime and timerfd_settime do not name the clock: the hooks of timer_create and
// timerfd_create remember which timers and descriptors run on a realtime clock (a lock-free
// core::KeySet: timer_settime is async-signal-safe). What they cannot see is not shifted, and
// docs/RELIABILITY.md lists it: a timer or timerfd created without these hooks (raw syscall, an
// inherited or dup'ed descriptor), more than KeySet::kCapacity realtime ones alive at once. A
// descriptor number is forgotten when timerfd_create hands it out again for another clock;
// close() is not hooked, so a closed realtime timerfd's number stays remembered until then
// (timerfd_settime on anything but a timerfd fails with EINVAL anyway).
#include "../core/key_set.hpp"
#include "real.hpp"
#include "time_shift.hpp"

using probe::Symbol;
namespace real = probe::real;

namespace {
probe::KeySet g_realtime_timers;    // timer_t values, + 1
probe::KeySet g_realtime_timerfds;  // descriptors, + 1
std::uint64_t timer_key(timer_t t) { return reinterpret_cast<std::uintptr_t>(t) + 1; }
std::uint64_t fd_key(int fd) { return static_cast<std::uint64_t>(static_cast<unsigned>(fd)) + 1; }
}  // namespace

PROBE_EXPORT int timer_create(clockid_t clock, struct sigevent* ev, timer_t* id) {
  probe::note(Symbol::timer_create, PROBE_RETURN_ADDRESS());
  int rc = real::timer_create(clock, ev, id);
  if (rc == 0 && probe::is_realtime_clock(clock)) g_realtime_timers.insert(timer_key(*id));
  return rc;
}

PROBE_EXPORT int timer_delete(timer_t id) {
  probe::note(Symbol::timer_delete, PROBE_RETURN_ADDRESS());
  g_realtime_timers.remove(timer_key(id));
  return real::timer_delete(id);
}

PROBE_EXPORT int timer_settime(timer_t id, int flags, const itimerspec* v, itimerspec* old) {
  probe::note(Symbol::timer_settime, PROBE_RETURN_ADDRESS());
  const bool abs_realtime =
      (flags & TIMER_ABSTIME) != 0 && g_realtime_timers.contains(timer_key(id));
  itimerspec k;
  return real::timer_settime(id, flags, probe::kernel_timer(v, abs_realtime, k), old);
}

PROBE_EXPORT int timerfd_create(clockid_t clock, int flags) {
  probe::note(Symbol::timerfd_create, PROBE_RETURN_ADDRESS());
  int fd = real::timerfd_create(clock, flags);
  if (fd >= 0 && probe::is_realtime_clock(clock))
    g_realtime_timerfds.insert(fd_key(fd));
  else if (fd >= 0)
    g_realtime_timerfds.remove(fd_key(fd));
  return fd;
}

PROBE_EXPORT int timerfd_settime(int fd, int flags, const itimerspec* v, itimerspec* old) {
  probe::note(Symbol::timerfd_settime, PROBE_RETURN_ADDRESS());
  const bool abs_realtime =
      (flags & TFD_TIMER_ABSTIME) != 0 && g_realtime_timerfds.contains(fd_key(fd));
  itimerspec k;
  return real::timerfd_settime(fd, flags, probe::kernel_timer(v, abs_realtime, k), old);
}
