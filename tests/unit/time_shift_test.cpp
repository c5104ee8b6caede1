// time_shift_test.cpp — PROBE_TIME_OFFSET's arithmetic (core/time_shift.hpp) at the limits, the
// glibc condition-variable clock bit it reads, and the lock-free set the timer hooks use.
#include "time_shift.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <thread>
#include <vector>

#include "key_set.hpp"
#include "settings.hpp"

namespace {

using namespace probe;
constexpr time_t kMax = std::numeric_limits<time_t>::max();
constexpr time_t kMin = std::numeric_limits<time_t>::min();
constexpr std::int64_t kOff = Settings::kMaxTimeOffset;

TEST(TimeShift, ReadsAndDeadlinesAreInverse) {
  for (std::int64_t off :
       {std::int64_t{-86400}, std::int64_t{0}, std::int64_t{1'000'000'000}, kOff, -kOff}) {
    const time_t now = 1'800'000'000;
    EXPECT_EQ(deadline_to_kernel(to_program(now, off) + 5, off), now + 5) << off;
    time_t set = 0;
    ASSERT_TRUE(setting_to_kernel(to_program(now, off), off, set)) << off;
    EXPECT_EQ(set, now) << "a clock set to what the program read is set to the real time";
  }
}

TEST(TimeShift, SaturatesAtTheLimitsOfTimeT) {
  // "Wait forever" stays forever whatever the sign of the offset, and never wraps into the past.
  EXPECT_EQ(deadline_to_kernel(kMax, -86400), kMax);
  EXPECT_EQ(deadline_to_kernel(kMax, -kOff), kMax);
  EXPECT_EQ(deadline_to_kernel(kMax, 86400), kMax - 86400);
  EXPECT_EQ(to_program(kMax, 1), kMax);
  EXPECT_EQ(to_program(kMin, -1), kMin);
  EXPECT_EQ(deadline_to_kernel(kMin, 86400), kMin) << "a negative deadline saturates too";
}

TEST(TimeShift, ADeadlineInThePastStaysValid) {
  // Shifted back by a large offset, a small deadline would be negative, which clock_nanosleep and
  // futex refuse with EINVAL: it becomes 0, still in the past, so the wait still returns at once.
  EXPECT_EQ(deadline_to_kernel(5, 1'000'000'000), 0);
  EXPECT_EQ(deadline_to_kernel(0, 1), 0);
  EXPECT_EQ(deadline_to_kernel(-3, 1), -4) << "already invalid: left to the kernel to refuse";
}

TEST(TimeShift, ImpossibleClockSettingsAreRefused) {
  time_t out = 12345;
  EXPECT_FALSE(setting_to_kernel(100, 1'000'000'000, out)) << "before 1970";
  EXPECT_FALSE(setting_to_kernel(kMax, -1, out)) << "beyond time_t";
  EXPECT_FALSE(setting_to_kernel(kMin, 1, out));
  EXPECT_EQ(out, 12345) << "untouched when refused";
  EXPECT_TRUE(setting_to_kernel(-5, -10, out));
  EXPECT_EQ(out, 5) << "the program's clock may read before 1970 when the real one does not";
}

TEST(TimeShift, RealtimeClocks) {
  EXPECT_TRUE(is_realtime_clock(CLOCK_REALTIME));
  EXPECT_TRUE(is_realtime_clock(CLOCK_REALTIME_COARSE));
  EXPECT_TRUE(is_realtime_clock(CLOCK_REALTIME_ALARM));
  for (clockid_t c :
       {CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME,
        CLOCK_BOOTTIME_ALARM, CLOCK_TAI, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID})
    EXPECT_FALSE(is_realtime_clock(c)) << c;
}

TEST(TimeShift, ConditionVariableClockBitIsGlibcs) {
  // The hook of pthread_cond_timedwait reads the clock glibc keeps in the condition variable;
  // this holds the bit to what pthread_condattr_setclock does on this glibc.
  pthread_cond_t by_default = PTHREAD_COND_INITIALIZER;
  EXPECT_TRUE(condvar_uses_realtime(&by_default));
  for (int shared : {PTHREAD_PROCESS_PRIVATE, PTHREAD_PROCESS_SHARED})
    for (clockid_t clock : {CLOCK_REALTIME, CLOCK_MONOTONIC}) {
      pthread_condattr_t a;
      pthread_condattr_init(&a);
      pthread_condattr_setpshared(&a, shared);
      ASSERT_EQ(pthread_condattr_setclock(&a, clock), 0);
      pthread_cond_t c;
      pthread_cond_init(&c, &a);
      EXPECT_EQ(condvar_uses_realtime(&c), clock == CLOCK_REALTIME) << clock << " " << shared;
      pthread_cond_destroy(&c);
      pthread_condattr_destroy(&a);
    }
}

TEST(KeySet, InsertContainsRemoveAndReuse) {
  KeySet s;
  EXPECT_FALSE(s.contains(7));
  EXPECT_TRUE(s.insert(7));
  EXPECT_TRUE(s.insert(7)) << "idempotent";
  EXPECT_TRUE(s.contains(7));
  s.remove(7);
  EXPECT_FALSE(s.contains(7));
  // Fill it, keys colliding or not; a full set refuses; removing makes room again.
  for (std::uint64_t k = 1; k <= KeySet::kCapacity; ++k) ASSERT_TRUE(s.insert(k)) << k;
  EXPECT_FALSE(s.insert(KeySet::kCapacity + 1));
  for (std::uint64_t k = 1; k <= KeySet::kCapacity; ++k) ASSERT_TRUE(s.contains(k)) << k;
  s.remove(500);
  EXPECT_FALSE(s.contains(500));
  EXPECT_TRUE(s.insert(KeySet::kCapacity + 1)) << "a tombstone is reused";
  EXPECT_TRUE(s.contains(KeySet::kCapacity + 1));
}

TEST(KeySet, ConcurrentInsertsAndRemovesKeepEveryLiveKey) {
  KeySet s;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&s, t] {
      for (int round = 0; round < 2000; ++round) {
        const std::uint64_t k = static_cast<std::uint64_t>(t) * 100000 + 1 + round % 100;
        s.insert(k);
        if (!s.contains(k)) ADD_FAILURE() << "inserted key missing";
        s.remove(k);
      }
      s.insert(static_cast<std::uint64_t>(t) * 100000 + 1);  // one stays
    });
  for (auto& t : ts) t.join();
  for (int t = 0; t < 4; ++t) EXPECT_TRUE(s.contains(static_cast<std::uint64_t>(t) * 100000 + 1));
}

}  // namespace
