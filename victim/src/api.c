/* api.c — targets and the entries that call them from the same translation unit.
 *
 * Same-file calls are the ones -fno-semantic-interposition changes without LTO (GCC binds them to
 * a local alias or inlines them); victim_check_result mirrors the article's
 * _Py_CheckFunctionResult -> PyErr_Occurred. The `volatile` counters are the side effects that
 * keep noinline functions from being removed or folded away entirely.
 */
#include <stdlib.h>
#include <time.h>

#include "internal.h"

static int error_state;           /* never set: the real accessor always returns 0 */
static volatile int touch_count;  /* side effect of victim_noinline_touch / victim_const_answer */

VICTIM_DEF int victim_exported_var = 1;
hidden_def(victim_exported_var)

VICTIM_DEF int victim_err_occurred(void) { return error_state; }
hidden_def(victim_err_occurred)

VICTIM_API int victim_check_result(int x) { return victim_err_occurred() != 0 ? -1 : x; }

VICTIM_DEF __attribute__((noinline)) int victim_noinline_touch(void) { return ++touch_count; }
hidden_def(victim_noinline_touch)

VICTIM_API int victim_run_noinline(void) { return NOT_TAIL(victim_noinline_touch()); }

VICTIM_DEF __attribute__((noinline)) int victim_const_answer(void) {
  ++touch_count;
  return 42;
}
hidden_def(victim_const_answer)

VICTIM_API int victim_use_const(void) { return victim_const_answer() + 1; }

/* Weak: -fno-semantic-interposition leaves weak symbols interposable (GCC manual). */
VICTIM_API __attribute__((weak)) int victim_weak_fn(void) { return 7; }

VICTIM_API int victim_run_weak(void) { return NOT_TAIL(victim_weak_fn()); }

/* GNU indirect function: the resolver picks the implementation at load time. */
static int ifunc_impl(void) { return 11; }
static int (*resolve_ifunc(void))(void) { return ifunc_impl; }
VICTIM_API int victim_ifunc_fn(void) __attribute__((ifunc("resolve_ifunc")));

VICTIM_API int victim_run_ifunc(void) { return NOT_TAIL(victim_ifunc_fn()); }

VICTIM_API int victim_read_var(void) { return victim_exported_var; }

VICTIM_DEF __attribute__((noinline)) int victim_fnptr_target(void) { return 13; }
hidden_def(victim_fnptr_target)

/* The pointer is read through a volatile so that the compiler cannot turn the call into a direct
 * one: the call goes wherever the address the library took points. */
VICTIM_API int (*victim_fnptr_addr(void))(void) { return victim_fnptr_target; }

VICTIM_API int victim_call_own_ptr(void) {
  int (*volatile fp)(void) = victim_fnptr_target;
  return NOT_TAIL(fp());
}

VICTIM_API int victim_alloc_roundtrip(int n) {
  /* volatile pointer: GCC and clang may otherwise elide a malloc/free pair entirely. */
  char *volatile p = malloc((size_t)n + 1);
  if (p == NULL) return -1;
  p[0] = 1;
  free(p);
  return n;
}

VICTIM_API long victim_now(void) { return (long)NOT_TAIL(time(NULL)); }

/* An interpreter's hot loop in miniature (bench/ measures it in every variant). Each round is
 * one "instruction" of a few small API calls with an error check after each, the pattern of
 * CPython's ceval.c (call, then `if (PyErr_Occurred()) goto error;`): the read of an exported
 * variable through its accessor, a noinline call, the accessor-called-by-API pattern in this file
 * and in another file (victim_check_result_xtu stays a PLT call without LTO, like the 1,223
 * PyErr_Occurred@plt call sites left in a nosi libpython). An error does not stop the loop, so
 * that every round does the same work whatever an override returns. */
VICTIM_API long victim_interp_loop(long n) {
  long acc = 0, errors = 0;
  for (long i = 0; i < n; ++i) {
    int v = victim_read_var();
    if (victim_err_occurred() != 0) {
      ++errors;
      continue;
    }
    int r = victim_check_result(victim_noinline_touch() & 0xff);
    if (r < 0) {
      ++errors;
      continue;
    }
    r = victim_check_result_xtu(r + v);
    if (r < 0) {
      ++errors;
      continue;
    }
    acc += r;
  }
  return errors != 0 ? -errors : acc;
}
