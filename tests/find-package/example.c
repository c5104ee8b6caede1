/* example.c — a small library that calls one of its own exported functions.
 *
 * The function is named victim_err_occurred, after a function of interprobe's bundled victim
 * library, for one reason: libprobe.so overrides a fixed list of symbols (malloc and time
 * families, the victim's functions; preload/core/symbols.def), and the run-time check can only
 * count calls of those. A library's own call of malloc or time would not do: the library does
 * not define them, so the call always goes through the PLT to libc and no build flag changes
 * it. A real project checks its own function names once a shim can be generated for them. */
int example_errors = 0;

int victim_err_occurred(void) { return example_errors; }

/* Not a tail call: the probe attributes a call to the object holding the return address, and a
 * `jmp victim_err_occurred@plt` would leave the app's instead (docs/REPORT_FORMAT.md). */
int example_answer(void) { return 41 + (victim_err_occurred() == 0); }
