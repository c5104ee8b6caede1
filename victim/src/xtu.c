/* xtu.c — an entry in another translation unit than its target.
 *
 * Without LTO, -fno-semantic-interposition cannot see victim_err_occurred's body from here, so the
 * call stays a PLT call (CPython 3.11 built this way keeps 1,223 PyErr_Occurred@plt call sites);
 * with -flto it can be inlined like a same-file call.
 */
#include "internal.h"

VICTIM_API int victim_check_result_xtu(int x) { return victim_err_occurred() != 0 ? -1 : x; }
