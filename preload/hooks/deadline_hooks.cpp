// deadline_hooks.cpp — absolute timeouts on the realtime clock, shifted back by PROBE_TIME_OFFSET.
//
// A program computes such a deadline from a shifted reading (now + 5 s); passed on as it is, the
// wait would last 5 s plus the offset (a day early with -86400, 31 years late with +1e9). Shifted:
// the always-realtime waits (sem_timedwait, pthread_mutex_timedlock, pthread_rwlock_timed*,
// mq_timedsend/receive, pthread_timedjoin_np), the *clock* variants given a realtime clock, and
// pthread_cond_timedwait on a condition variable that waits by the realtime clock (its clock is
// not in the call: core/time_shift.hpp reads it from the condition variable). Relative timeouts
// (nanosleep, poll, select, sigtimedwait...) need nothing. A hook shifts a copy, never the
// caller's.
#include "real.hpp"
#include "time_shift.hpp"

using probe::is_realtime_clock;
using probe::kernel_deadline;
using probe::Symbol;
namespace real = probe::real;

PROBE_EXPORT int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const timespec* t) {
  probe::note(Symbol::pthread_cond_timedwait, PROBE_RETURN_ADDRESS());
  timespec k;
  return real::pthread_cond_timedwait(c, m, kernel_deadline(t, probe::condvar_uses_realtime(c), k));
}

PROBE_EXPORT int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clock,
                                        const timespec* t) {
  probe::note(Symbol::pthread_cond_clockwait, PROBE_RETURN_ADDRESS());
  timespec k;
  return real::pthread_cond_clockwait(c, m, clock, kernel_deadline(t, is_realtime_clock(clock), k));
}

PROBE_EXPORT int sem_timedwait(sem_t* s, const timespec* t) {
  probe::note(Symbol::sem_timedwait, PROBE_RETURN_ADDRESS());
  timespec k;
  return real::sem_timedwait(s, kernel_deadline(t, true, k));
}

PROBE_EXPORT int sem_clockwait(sem_t* s, clockid_t clock, const timespec* t) {
  probe::note(Symbol::sem_clockwait, PROBE_RETURN_ADDRESS());
  timespec k;
  return real::sem_clockwait(s, clock, kernel_deadline(t, is_realtime_clock(clock), k));
}

PROBE_EXPORT int pthread_mutex_timedlock(pthread_mutex_t* m, const timespec* t) {
  probe::note(Symbol::pthread_mutex_timedlock, PROBE_RETURN_ADDRESS());
  timespec k;
  return real::pthread_mutex_timedlock(m, kernel_deadline(t, true, k));
}

PROBE_EXPORT int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t clock, const timespec* t) {
  probe::note(Symbol::pthread_mutex_clocklock, PROBE_RETURN_ADDRESS());
  timespec k;
  return real::pthread_mutex_clocklock(m, clock, kernel_deadline(t, is_realtime_clock(clock), k));
}

PROBE_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t* l, const timespec* t) {
  probe::note(Symbol::pthread_rwlock_timedrdlock, PROBE_RETURN_ADDRESS());
  timespec k;
  return real::pthread_rwlock_timedrdlock(l, kernel_deadline(t, true, k));
}

PROBE_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t* l, const timespec* t) {
  probe::note(Symbol::pthread_rwlock_timedwrlock, PROBE_RETURN_ADDRESS());
  timespec k;
  return real::pthread_rwlock_timedwrlock(l, kernel_deadline(t, true, k));
}

PROBE_EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t* l, clockid_t clock,
                                            const timespec* t) {
  probe::note(Symbol::pthread_rwlock_clockrdlock, PROBE_RETURN_ADDRESS());
  timespec k;
  return real::pthread_rwlock_clockrdlock(l, clock,
                                          kernel_deadline(t, is_realtime_clock(clock), k));
}

PROBE_EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t* l, clockid_t clock,
                                            const timespec* t) {
  probe::note(Symbol::pthread_rwlock_clockwrlock, PROBE_RETURN_ADDRESS());
  timespec k;
  return real::pthread_rwlock_clockwrlock(l, clock,
                                          kernel_deadline(t, is_realtime_clock(clock), k));
}

PROBE_EXPORT int mq_timedsend(mqd_t q, const char* msg, size_t n, unsigned prio,
                              const timespec* t) {
  probe::note(Symbol::mq_timedsend, PROBE_RETURN_ADDRESS());
  timespec k;
  return real::mq_timedsend(q, msg, n, prio, kernel_deadline(t, true, k));
}

PROBE_EXPORT ssize_t mq_timedreceive(mqd_t q, char* msg, size_t n, unsigned* prio,
                                     const timespec* t) {
  probe::note(Symbol::mq_timedreceive, PROBE_RETURN_ADDRESS());
  timespec k;
  return real::mq_timedreceive(q, msg, n, prio, kernel_deadline(t, true, k));
}

PROBE_EXPORT int pthread_timedjoin_np(pthread_t th, void** ret, const timespec* t) {
  probe::note(Symbol::pthread_timedjoin_np, PROBE_RETURN_ADDRESS());
  timespec k;
  return real::pthread_timedjoin_np(th, ret, kernel_deadline(t, true, k));
}

PROBE_EXPORT int pthread_clockjoin_np(pthread_t th, void** ret, clockid_t clock,
                                      const timespec* t) {
  probe::note(Symbol::pthread_clockjoin_np, PROBE_RETURN_ADDRESS());
  timespec k;
  return real::pthread_clockjoin_np(th, ret, clock,
                                    kernel_deadline(t, is_realtime_clock(clock), k));
}
