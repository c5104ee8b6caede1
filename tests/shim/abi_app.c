/* abi_app.c — calls every function of libshimabi.so (abi_lib.c) four times: three times from the
 * main thread (the first call of each function takes the shim's slow path, which resolves it; a
 * later one its counting path, which fills the call's site; the rest the trampoline's fast path,
 * which counts from the site) and once from a second thread (whose first call takes the slow path
 * again), and prints every result. Run with and without the shim: the outputs must be identical.
 * With an argument, it then dlopens that library and calls its late_round() (abi_late_aarch64.c:
 * calls from an object loaded after the shim's start). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif
#include <stdio.h>
#include <string.h>

struct big { long v[12]; };
struct pair { double d; long l; };
long many_ints(long, long, long, long, long, long, long, long, long, long);
double many_doubles(double, int, double, double, double, double, double, double, double, int,
                    double, double);
double vsum(int n, ...);
int vformat(char *buf, unsigned long size, const char *fmt, ...);
struct big make_big(long seed, double scale);
struct pair make_pair(double d, long l);
long double ld_mul(long double a, long double b);
int apply(int (*f)(int), int x);
int read_errno(void);

static int square(int x) { return x * x; }

#if defined(__x86_64__)
__m256d avx_add(__m256d a, __m256d b);

__attribute__((target("avx"))) static void run_avx(int round) {
  __m256d a = _mm256_set_pd(1.5 + round, 2.5, 3.5, 4.5), b = _mm256_set_pd(10, 20, 30, 40.25);
  double out[4];
  _mm256_storeu_pd(out, avx_add(a, b));
  printf("avx_add %g %g %g %g\n", out[0], out[1], out[2], out[3]);
}

static void run_vector(int round) {
  if (__builtin_cpu_supports("avx")) {
    run_avx(round);
  } else { /* keep the count and the output the same on a machine without AVX */
    printf("avx_add (no AVX on this machine)\n");
  }
}
#elif defined(__aarch64__)
struct hfa4 {
  float a, b, c, d;
};
float64x2_t neon_add(float64x2_t a, float64x2_t b);
struct hfa4 hfa_scale(struct hfa4 h, float f, double d);

static void run_vector(int round) {
  float64x2_t a = {1.5 + round, 2.5e-300}, b = {10, 20.25};
  float64x2_t r = neon_add(a, b);
  printf("neon_add %.17g %.17g\n", vgetq_lane_f64(r, 0), vgetq_lane_f64(r, 1));
  struct hfa4 h = {1.25f, 2.5f, 3.75f, 5.0f + round};
  struct hfa4 s = hfa_scale(h, 0.5f, 3.0 + round);
  printf("hfa_scale %.9g %.9g %.9g %.9g\n", s.a, s.b, s.c, s.d);
}
#endif

static void run_all(int round) {
  printf("round %d\n", round);
  printf("many_ints %ld\n", many_ints(1 + round, 2, 3, 4, 5, 6, 7, 8, 9, 10));
  printf("many_doubles %.6f\n",
         many_doubles(1.25 + round, 7, 2.5, 3.75, 4.125, 5.5, 6.0625, 7.25, 8.5, 9, 9.75, 10.5));
  printf("vsum %.6f\n", vsum(9, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5 + round));
  char buf[128];
  int n = vformat(buf, sizeof buf, "%d|%.3f|%s|%ld|%.2e|%c|%d|%d|%.1f", 42 + round, 3.14159,
                  "str", 1234567890123L, 6.02e23, 'x', -7, 8, 99.5);
  printf("vformat %d %s\n", n, buf);
  struct big b = make_big(3 + round, 1.5);
  printf("make_big");
  for (int i = 0; i < 12; ++i) printf(" %ld", b.v[i]);
  printf("\n");
  struct pair p = make_pair(2.25 + round, 11);
  printf("make_pair %.3f %ld\n", p.d, p.l);
  printf("ld_mul %.10Lf\n", ld_mul(1.0000000001L + round, 3.0L));
  printf("apply %d\n", apply(square, 9 + round));
  errno = 42 + round;
  printf("read_errno %d\n", read_errno());
  run_vector(round);
}

static void *thread_main(void *arg) {
  run_all(*(int *)arg);
  return NULL;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  run_all(0);
  run_all(1);
  run_all(2);
  pthread_t t;
  int round = 3;
  if (pthread_create(&t, NULL, thread_main, &round) != 0) return 1;
  pthread_join(t, NULL);
  if (argc > 1) {
    void *late = dlopen(argv[1], RTLD_NOW);
    void (*late_round)(void) = late != NULL ? (void (*)(void))dlsym(late, "late_round") : NULL;
    if (late_round == NULL) return 2;
    late_round();
  }
  return 0;
}
