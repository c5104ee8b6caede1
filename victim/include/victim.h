/* victim.h — public API of the specimen library libvictim.so.1.
 *
 * Each "target" function below is something an LD_PRELOAD library may want to override; each
 * "entry" function is an exported function whose body calls a target from inside the library,
 * the way _Py_CheckFunctionResult calls PyErr_Occurred in libpython. Whether an override of the
 * target takes effect for that internal call depends on how the library was built: that is what
 * the variant matrix (victim/matrix.json) measures. Plain C so that both compilers and every
 * variant see exactly the same source.
 */
#ifndef VICTIM_H_
#define VICTIM_H_

#ifdef __cplusplus
extern "C" {
#endif

/* Targets. */
int victim_err_occurred(void);          /* tiny accessor, like PyErr_Occurred; real value 0 */
int victim_noinline_touch(void);        /* noinline, side effect; returns its call count */
int victim_const_answer(void);          /* noinline, side effect, returns the constant 42 */
int victim_weak_fn(void);               /* weak definition; real value 7 */
int victim_ifunc_fn(void);              /* STT_GNU_IFUNC; real value 11 */
int victim_fnptr_target(void);          /* its address is taken inside the library; real 13 */
extern int victim_exported_var;         /* exported variable; real value 1 */

/* Entries: exported functions that reach a target from inside the library. */
int victim_check_result(int x);         /* same file as victim_err_occurred: -1 if error set */
int victim_check_result_xtu(int x);     /* other file, same test */
int victim_run_noinline(void);
int victim_use_const(void);             /* victim_const_answer() + 1 */
int victim_run_weak(void);
int victim_run_ifunc(void);
int victim_read_var(void);
int victim_call_own_ptr(void);          /* calls victim_fnptr_target through the address it took */
int (*victim_fnptr_addr(void))(void);   /* the address of victim_fnptr_target the library sees */
int victim_alloc_roundtrip(int n);      /* malloc + free inside the library; returns n */
long victim_now(void);                  /* time(NULL) called inside the library */

/* Workload for the benchmarks (bench/): n rounds of an interpreter-shaped loop, each making
 * several exported calls with an error check after each, as CPython's eval loop checks
 * PyErr_Occurred. Returns the accumulated result, or minus the number of rounds that saw an
 * "error" (only an override of victim_err_occurred can raise one). */
long victim_interp_loop(long n);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* VICTIM_H_ */
