/* example.c — a small library that calls one of its own exported functions.
 *
 * example_err_occurred is the function a packager of this library cares about: an accessor that
 * users override with LD_PRELOAD (a test double, a fault injector), and that the library calls
 * itself from example_answer. CMakeLists.txt checks, from the library file, whether that internal
 * call can still reach an override in each build. */
int example_errors = 0;

int example_err_occurred(void) { return example_errors; }

/* Not a tail call, so that the call stays a call (`call example_err_occurred@plt` by default)
 * rather than a `jmp`, and so that the run-time probe, which attributes a call to the object
 * holding the return address, would see it coming from this library (docs/REPORT_FORMAT.md). */
int example_answer(void) { return 41 + (example_err_occurred() == 0); }
