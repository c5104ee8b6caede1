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

// Each hook counts its call, shifts a copy of the deadline `t` by the offset when `realtime` (the
// expression, evaluated once, says whether the wait is on the realtime clock) and calls on with
// the copy, `kt`, in the deadline's place: compiler-rt's INTERCEPTOR shape, one invocation a function.
#define PROBE_DEADLINE_HOOK(ret, name, params, args, realtime)    \
  PROBE_EXPORT ret name params {                                  \
    probe::note(Symbol::name, PROBE_RETURN_ADDRESS());            \
    timespec k;                                                   \
    const timespec* const kt = kernel_deadline(t, (realtime), k); \
    return real::name args;                                       \
  }

PROBE_DEADLINE_HOOK(int, pthread_cond_timedwait,
                    (pthread_cond_t* c, pthread_mutex_t* m, const timespec* t), (c, m, kt),
                    probe::condvar_uses_realtime(c))
PROBE_DEADLINE_HOOK(int, pthread_cond_clockwait,
                    (pthread_cond_t* c, pthread_mutex_t* m, clockid_t clock, const timespec* t),
                    (c, m, clock, kt), is_realtime_clock(clock))
PROBE_DEADLINE_HOOK(int, sem_timedwait, (sem_t* s, const timespec* t), (s, kt), true)
PROBE_DEADLINE_HOOK(int, sem_clockwait, (sem_t* s, clockid_t clock, const timespec* t),
                    (s, clock, kt), is_realtime_clock(clock))
PROBE_DEADLINE_HOOK(int, pthread_mutex_timedlock, (pthread_mutex_t* m, const timespec* t), (m, kt),
                    true)
PROBE_DEADLINE_HOOK(int, pthread_mutex_clocklock,
                    (pthread_mutex_t* m, clockid_t clock, const timespec* t), (m, clock, kt),
                    is_realtime_clock(clock))
PROBE_DEADLINE_HOOK(int, pthread_rwlock_timedrdlock, (pthread_rwlock_t* l, const timespec* t),
                    (l, kt), true)
PROBE_DEADLINE_HOOK(int, pthread_rwlock_timedwrlock, (pthread_rwlock_t* l, const timespec* t),
                    (l, kt), true)
PROBE_DEADLINE_HOOK(int, pthread_rwlock_clockrdlock,
                    (pthread_rwlock_t* l, clockid_t clock, const timespec* t), (l, clock, kt),
                    is_realtime_clock(clock))
PROBE_DEADLINE_HOOK(int, pthread_rwlock_clockwrlock,
                    (pthread_rwlock_t* l, clockid_t clock, const timespec* t), (l, clock, kt),
                    is_realtime_clock(clock))
PROBE_DEADLINE_HOOK(int, mq_timedsend,
                    (mqd_t q, const char* msg, size_t n, unsigned prio, const timespec* t),
                    (q, msg, n, prio, kt), true)
PROBE_DEADLINE_HOOK(ssize_t, mq_timedreceive,
                    (mqd_t q, char* msg, size_t n, unsigned* prio, const timespec* t),
                    (q, msg, n, prio, kt), true)
PROBE_DEADLINE_HOOK(int, pthread_timedjoin_np, (pthread_t th, void** ret, const timespec* t),
                    (th, ret, kt), true)
PROBE_DEADLINE_HOOK(int, pthread_clockjoin_np,
                    (pthread_t th, void** ret, clockid_t clock, const timespec* t),
                    (th, ret, clock, kt), is_realtime_clock(clock))
