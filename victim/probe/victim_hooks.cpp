// victim_hooks.cpp — the specimen's overrides of the bundled victim library's targets
// (victim/include/victim.h, listed in specimen.def), built into the test-only libprobe.so of
// this folder only: the installed one has none (docs/DRAWBACKS.md is measured with this one).
//
// Each override counts the call, calls the real function (so its side effects still happen) and
// returns the real value plus kVictimMark, a value the real function never returns: the app's
// output then tells "the caller used the override's result" apart from "the override ran".
// Without a real function the call fails as specimen.def says (0, errno ENOSYS), plus the mark.
// victim_exported_var is overridden by a definition with a different initial value.
#include "real.hpp"
#include "victim.h"

namespace {
constexpr int kVictimMark = 1000;
}

using probe::Symbol;

// Real value 1 (victim/src/api.c): a library that reads this one is using the override. (In a
// linkage block: `extern "C" int v = 1;`, PROBE_EXPORT's form, warns "initialized and declared
// extern".)
extern "C" {
__attribute__((visibility("default"))) int victim_exported_var = 1 + kVictimMark;
}

#define PROBE_VICTIM_HOOK(fn)                        \
  PROBE_EXPORT int fn(void) {                        \
    probe::note(Symbol::fn, PROBE_RETURN_ADDRESS()); \
    return probe::real::fn() + kVictimMark;          \
  }

PROBE_VICTIM_HOOK(victim_err_occurred)
PROBE_VICTIM_HOOK(victim_noinline_touch)
PROBE_VICTIM_HOOK(victim_const_answer)
PROBE_VICTIM_HOOK(victim_weak_fn)
PROBE_VICTIM_HOOK(victim_ifunc_fn)
PROBE_VICTIM_HOOK(victim_fnptr_target)
