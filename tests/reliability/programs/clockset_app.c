/* clockset_app — which wall-clock times reach the kernel when a program sets the clock or waits
 * until an absolute time, without ever touching the real clock (issue 11: under
 * PROBE_TIME_OFFSET, CPython's test_time set the machine's clock back a day).
 *
 * It installs a seccomp filter (no_new_privs, no privilege needed) that traps (SECCOMP_RET_TRAP)
 * every system call handing the kernel an absolute realtime value: clock_settime, settimeofday,
 * clock_nanosleep(CLOCK_REALTIME[_ALARM], TIMER_ABSTIME), futex with FUTEX_CLOCK_REALTIME (what
 * glibc's timed waits use), timer_settime / timerfd_settime with an ABSTIME flag, and
 * mq_timedsend / mq_timedreceive with a timeout. The SIGSYS handler records the seconds passed
 * and the real time then — read with a raw system call, which no preloaded hook sees — and fails
 * or emulates the call (EPERM for clock setting, ETIMEDOUT for waits, 0 for sleeps and timers).
 * The untimed waits it uses itself (sem_wait, pthread_join) are not trapped. The program
 * prints, per call, "kernel got now+N": N = passed minus real, in whole seconds.
 * A program that sets the clock to what it read gets +0; a deadline "now + 5 s" computed from
 * what it read gets +5. Run without and with PROBE_TIME_OFFSET, the output must be the same.
 * It also prints whether the readers agree with clock_gettime(CLOCK_REALTIME) ("+0"), and that
 * waits on the monotonic clock last what they should (not trapped: they really wait 200 ms). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <mqueue.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static volatile long g_nr;             /* the trapped system call, 0 if none */
static volatile long long g_passed_ns; /* the time it was given, ns */
static volatile long long g_real_ns;   /* CLOCK_REALTIME then (or CLOCK_MONOTONIC, below) */
static volatile long long g_mono_ns;

static long long raw_ns(clockid_t c) {
  struct timespec t;
  syscall(SYS_clock_gettime, c, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long ns(const struct timespec* t) {
  return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static void on_sigsys(int sig, siginfo_t* si, void* context) {
  (void)sig;
  greg_t* r = ((ucontext_t*)context)->uc_mcontext.gregs;
  const struct timespec* ts = NULL;
  long ret = 0;
  switch (si->si_syscall) {
    case SYS_clock_settime:
      ts = (const void*)r[REG_RSI];
      ret = -EPERM;
      break;
    case SYS_settimeofday: {
      const struct timeval* tv = (const void*)r[REG_RDI];
      g_passed_ns = (long long)tv->tv_sec * 1000000000LL + tv->tv_usec * 1000LL;
      ret = -EPERM;
      break;
    }
    case SYS_clock_nanosleep:
      ts = (const void*)r[REG_RDX];
      break;
    case SYS_futex:
      ts = (const void*)r[REG_R10];
      ret = -ETIMEDOUT;
      break;
    case SYS_timer_settime:
    case SYS_timerfd_settime:
      ts = &((const struct itimerspec*)r[REG_RDX])->it_value;
      break;
    case SYS_mq_timedsend:
    case SYS_mq_timedreceive:
      ts = (const void*)r[REG_R8];
      ret = -ETIMEDOUT;
      break;
    default:
      ret = -ENOSYS;
  }
  if (ts != NULL) g_passed_ns = ns(ts);
  g_real_ns = raw_ns(CLOCK_REALTIME);
  g_mono_ns = raw_ns(CLOCK_MONOTONIC);
  g_nr = si->si_syscall;
  r[REG_RAX] = ret;
}

#define LD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define LD_ARG(i) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[i]))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define JSET(k, t, f) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define TRAP RET(SECCOMP_RET_TRAP)
/* Trap nr if the low 32 bits of args[a] have a bit of m set. */
#define TRAP_IF_FLAG(nr, a, m) LD_NR, JEQ(nr, 0, 3), LD_ARG(a), JSET(m, 0, 1), TRAP
/* Trap nr if args[a] (a pointer) is not null (its low 32 bits: user addresses here have them). */
#define TRAP_IF_ARG(nr, a) LD_NR, JEQ(nr, 0, 3), LD_ARG(a), JEQ(0, 1, 0), TRAP

static int install_filter(void) {
  /* clang-format off: one rule per line */
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      JEQ(AUDIT_ARCH_X86_64, 1, 0),
      RET(SECCOMP_RET_ALLOW),
      LD_NR,
      JEQ(SYS_clock_settime, 0, 1),
      TRAP,
      LD_NR,
      JEQ(SYS_settimeofday, 0, 1),
      TRAP,
      /* clock_nanosleep(CLOCK_REALTIME or CLOCK_REALTIME_ALARM, TIMER_ABSTIME, ...) */
      LD_NR,
      JEQ(SYS_clock_nanosleep, 0, 6),
      LD_ARG(1),
      JSET(TIMER_ABSTIME, 0, 4),
      LD_ARG(0),
      JEQ(CLOCK_REALTIME, 1, 0),
      JEQ(CLOCK_REALTIME_ALARM, 0, 1),
      TRAP,
      /* futex(FUTEX_CLOCK_REALTIME) with a timeout: glibc sets the flag for untimed waits too
       * (sem_wait, pthread_join), which must really wait. */
      LD_NR,
      JEQ(SYS_futex, 0, 5),
      LD_ARG(1),
      JSET(FUTEX_CLOCK_REALTIME, 0, 3),
      LD_ARG(3),
      JEQ(0, 1, 0),
      TRAP,
      TRAP_IF_FLAG(SYS_timer_settime, 1, TIMER_ABSTIME),
      TRAP_IF_FLAG(SYS_timerfd_settime, 1, TFD_TIMER_ABSTIME),
      TRAP_IF_ARG(SYS_mq_timedsend, 4),
      TRAP_IF_ARG(SYS_mq_timedreceive, 4),
      RET(SECCOMP_RET_ALLOW),
  };
  /* clang-format on */
  struct sock_fprog prog = {sizeof f / sizeof f[0], f};
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO;
  if (sigaction(SIGSYS, &sa, NULL) != 0) return -1;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* What the program reads, through whatever hooks are preloaded. */
static struct timespec now_plus(clockid_t c, long long add_ns) {
  struct timespec t;
  clock_gettime(c, &t);
  long long v = ns(&t) + add_ns; /* may be negative: PROBE_TIME_OFFSET can put it before 1970 */
  long long sec = v / 1000000000LL, nsec = v % 1000000000LL;
  if (nsec < 0) nsec += 1000000000LL, --sec;
  t.tv_sec = sec;
  t.tv_nsec = nsec;
  return t;
}

/* Prints what the kernel was given, relative to the real clock ("+5"), or that nothing trapped. */
static void report(const char* what, int rc, int err, int monotonic) {
  printf("%s: %s", what, rc == 0 ? "ok" : strerror(err));
  if (g_nr == 0) {
    printf(", no call reached the kernel\n");
  } else {
    long long diff = g_passed_ns - (monotonic ? g_mono_ns : g_real_ns);
    printf(", kernel got now%+lld\n",
           (diff + (diff < 0 ? -500000000LL : 500000000LL)) / 1000000000LL);
  }
  g_nr = 0;
}

#define FIVE_S 5000000000LL

/* A call that must really wait about 200 ms on the monotonic clock (not trapped). */
static void waited(const char* what, long long start_ns) {
  long long ms = (raw_ns(CLOCK_MONOTONIC) - start_ns) / 1000000;
  printf("%s: %s\n", what,
         ms < 100    ? "returned at once"
         : ms < 5000 ? "waited ~200 ms"
                     : "waited too long");
}

static sem_t g_go, g_done;
static pthread_rwlock_t* g_rw;

static void* holder(void* arg) {
  (void)arg;
  if (g_rw != NULL) pthread_rwlock_wrlock(g_rw);
  sem_post(&g_go);
  sem_wait(&g_done); /* no timeout: a plain futex wait, not trapped */
  if (g_rw != NULL) pthread_rwlock_unlock(g_rw);
  return NULL;
}

/* One timed rwlock call while another thread holds the write lock; a fresh lock and holder each
 * time, so that every call starts from the same state. */
static void rwlock_case(const char* what, int write, int clockwise) {
  pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
  g_rw = &rw;
  pthread_t th;
  pthread_create(&th, NULL, holder, NULL);
  sem_wait(&g_go);
  struct timespec t = now_plus(CLOCK_REALTIME, 5000000000LL);
  int rc = clockwise ? (write ? pthread_rwlock_clockwrlock(&rw, CLOCK_REALTIME, &t)
                              : pthread_rwlock_clockrdlock(&rw, CLOCK_REALTIME, &t))
                     : (write ? pthread_rwlock_timedwrlock(&rw, &t)
                              : pthread_rwlock_timedrdlock(&rw, &t));
  report(what, rc, rc, 0);
  sem_post(&g_done);
  pthread_join(th, NULL);
  g_rw = NULL;
}

/* Whether a reader's seconds lie between two readings of clock_gettime(CLOCK) taken around it:
 * all readers shifted alike, or none. time() reads the kernel's coarse seconds (the timekeeper's
 * xtime_sec, which the vDSO's CLOCK_REALTIME_COARSE also reads): up to one tick after a second
 * begins it is still one behind CLOCK_REALTIME, so it is bracketed by CLOCK_REALTIME_COARSE
 * (before that, ~1 run in 250 printed "differs by -1 s", with and without the probe alike). */
#define AGREE(what, call, sec) AGREE_CLOCK(what, call, sec, CLOCK_REALTIME)
#define AGREE_CLOCK(what, call, sec, clock)                                             \
  do {                                                                                  \
    struct timespec before_, after_;                                                    \
    clock_gettime(clock, &before_);                                                     \
    int ok_ = (call);                                                                   \
    clock_gettime(clock, &after_);                                                      \
    long long s_ = (long long)(sec);                                                    \
    if (!ok_)                                                                           \
      printf("%s: failed\n", what);                                                     \
    else if (s_ >= before_.tv_sec && s_ <= after_.tv_sec)                               \
      printf("%s: agrees with clock_gettime\n", what);                                  \
    else                                                                                \
      printf("%s: differs from clock_gettime by %+lld s\n", what, s_ - before_.tv_sec); \
  } while (0)

int main(void) {
  if (install_filter() != 0) {
    printf("seccomp unavailable: %s\n", strerror(errno));
    return 0;
  }
  int rc;
  struct timespec t = now_plus(CLOCK_REALTIME, 0);
  rc = clock_settime(CLOCK_REALTIME, &t);
  report("clock_settime(what it read)", rc, errno, 0);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  rc = settimeofday(&tv, NULL);
  report("settimeofday(what it read)", rc, errno, 0);

  t = now_plus(CLOCK_REALTIME, FIVE_S);
  rc = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t, NULL);
  report("clock_nanosleep(REALTIME, ABSTIME, now+5s)", rc, rc, 0);

  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  pthread_mutex_lock(&m);
  t = now_plus(CLOCK_REALTIME, FIVE_S);
  rc = pthread_cond_timedwait(&c, &m, &t);
  report("pthread_cond_timedwait(realtime condvar, now+5s)", rc, rc, 0);
  t = now_plus(CLOCK_REALTIME, FIVE_S);
  rc = pthread_cond_clockwait(&c, &m, CLOCK_REALTIME, &t);
  report("pthread_cond_clockwait(REALTIME, now+5s)", rc, rc, 0);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_t cm;
  pthread_cond_init(&cm, &ca);
  long long start = raw_ns(CLOCK_MONOTONIC);
  t = now_plus(CLOCK_MONOTONIC, 200000000LL);
  pthread_cond_timedwait(&cm, &m, &t);
  waited("pthread_cond_timedwait(monotonic condvar, now+200ms)", start);
  start = raw_ns(CLOCK_MONOTONIC);
  t = now_plus(CLOCK_MONOTONIC, 200000000LL);
  pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &t);
  waited("pthread_cond_clockwait(MONOTONIC, now+200ms)", start);

  /* The mutex is held: a second lock by this thread waits (a normal mutex does not check). */
  t = now_plus(CLOCK_REALTIME, FIVE_S);
  rc = pthread_mutex_timedlock(&m, &t);
  report("pthread_mutex_timedlock(now+5s)", rc, rc, 0);
  t = now_plus(CLOCK_REALTIME, FIVE_S);
  rc = pthread_mutex_clocklock(&m, CLOCK_REALTIME, &t);
  report("pthread_mutex_clocklock(REALTIME, now+5s)", rc, rc, 0);
  pthread_mutex_unlock(&m);

  sem_t s;
  sem_init(&s, 0, 0);
  t = now_plus(CLOCK_REALTIME, FIVE_S);
  rc = sem_timedwait(&s, &t);
  report("sem_timedwait(now+5s)", rc, errno, 0);
  t = now_plus(CLOCK_REALTIME, FIVE_S);
  rc = sem_clockwait(&s, CLOCK_REALTIME, &t);
  report("sem_clockwait(REALTIME, now+5s)", rc, errno, 0);
  start = raw_ns(CLOCK_MONOTONIC);
  t = now_plus(CLOCK_MONOTONIC, 200000000LL);
  sem_clockwait(&s, CLOCK_MONOTONIC, &t);
  waited("sem_clockwait(MONOTONIC, now+200ms)", start);

  sem_init(&g_go, 0, 0);
  sem_init(&g_done, 0, 0);
  rwlock_case("pthread_rwlock_timedwrlock(now+5s)", 1, 0);
  rwlock_case("pthread_rwlock_clockwrlock(REALTIME, now+5s)", 1, 1);
  rwlock_case("pthread_rwlock_timedrdlock(now+5s)", 0, 0);
  rwlock_case("pthread_rwlock_clockrdlock(REALTIME, now+5s)", 0, 1);

  /* A thread that stays alive until told: the timed joins wait for it. */
  pthread_t th;
  pthread_create(&th, NULL, holder, NULL);
  sem_wait(&g_go);
  t = now_plus(CLOCK_REALTIME, FIVE_S);
  rc = pthread_timedjoin_np(th, NULL, &t);
  report("pthread_timedjoin_np(now+5s)", rc, rc, 0);
  t = now_plus(CLOCK_REALTIME, FIVE_S);
  rc = pthread_clockjoin_np(th, NULL, CLOCK_REALTIME, &t);
  report("pthread_clockjoin_np(REALTIME, now+5s)", rc, rc, 0);
  sem_post(&g_done);
  pthread_join(th, NULL);

  timer_t timer;
  struct sigevent ev;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_NONE;
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  if (timer_create(CLOCK_REALTIME, &ev, &timer) == 0) {
    its.it_value = now_plus(CLOCK_REALTIME, FIVE_S);
    rc = timer_settime(timer, TIMER_ABSTIME, &its, NULL);
    report("timer_settime(REALTIME timer, ABSTIME, now+5s)", rc, errno, 0);
    timer_delete(timer);
  }
  if (timer_create(CLOCK_MONOTONIC, &ev, &timer) == 0) {
    its.it_value = now_plus(CLOCK_MONOTONIC, FIVE_S);
    rc = timer_settime(timer, TIMER_ABSTIME, &its, NULL);
    report("timer_settime(MONOTONIC timer, ABSTIME, now+5s)", rc, errno, 1);
    timer_delete(timer);
  }
  int fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
  its.it_value = now_plus(CLOCK_REALTIME, FIVE_S);
  rc = timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
  report("timerfd_settime(REALTIME timerfd, ABSTIME, now+5s)", rc, errno, 0);
  close(fd);
  fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC); /* very likely the same number again */
  its.it_value = now_plus(CLOCK_MONOTONIC, FIVE_S);
  rc = timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
  report("timerfd_settime(MONOTONIC timerfd, ABSTIME, now+5s)", rc, errno, 1);
  close(fd);

  char name[64];
  snprintf(name, sizeof name, "/interprobe-clockset-%d", (int)getpid());
  struct mq_attr qa = {0, 1, 8, 0, {0}};
  mqd_t q = mq_open(name, O_CREAT | O_RDWR, 0600, &qa);
  if (q == (mqd_t)-1) {
    printf("mq_timedreceive, mq_timedsend: message queues unavailable (%s)\n", strerror(errno));
  } else {
    mq_unlink(name);
    char msg[8] = "x";
    t = now_plus(CLOCK_REALTIME, FIVE_S);
    rc = (int)mq_timedreceive(q, msg, sizeof msg, NULL, &t);
    report("mq_timedreceive(empty queue, now+5s)", rc < 0 ? -1 : 0, errno, 0);
    mq_send(q, msg, 1, 0); /* fills the queue (one message): no timeout, not trapped */
    t = now_plus(CLOCK_REALTIME, FIVE_S);
    rc = mq_timedsend(q, msg, 1, 0, &t);
    report("mq_timedsend(full queue, now+5s)", rc, errno, 0);
    mq_close(q);
  }

  /* Readers agree with each other (all shifted, or none). */
  struct timex tx;
  memset(&tx, 0, sizeof tx);
  AGREE("adjtimex time", adjtimex(&tx) != -1, tx.time.tv_sec);
  memset(&tx, 0, sizeof tx);
  AGREE("ntp_adjtime time", ntp_adjtime(&tx) != -1, tx.time.tv_sec);
  memset(&tx, 0, sizeof tx);
  AGREE("clock_adjtime(REALTIME) time", clock_adjtime(CLOCK_REALTIME, &tx) != -1, tx.time.tv_sec);
  struct ntptimeval ntv;
  AGREE("ntp_gettimex time", ntp_gettimex(&ntv) != -1, ntv.time.tv_sec);
  AGREE("timespec_get", timespec_get(&t, TIME_UTC) == TIME_UTC, t.tv_sec);
  AGREE("gettimeofday", gettimeofday(&tv, NULL) == 0, tv.tv_sec);
  time_t now;
  AGREE_CLOCK("time", (now = time(NULL)) != (time_t)-1, now, CLOCK_REALTIME_COARSE);
  return 0;
}
