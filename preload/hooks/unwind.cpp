// unwind.cpp — the call stack of a new call site (PROBE_BACKTRACE=N): N frames of the host.
//
// libgcc's own unwinder (_Unwind_Backtrace), linked statically into libprobe.so (-static-libgcc,
// its symbols hidden by --exclude-libs,ALL). On glibc >= 2.35 it finds each frame's FDE with
// _dl_find_object, which is lock-free and async-signal-safe: no dl_iterate_phdr, no loader lock,
// no descriptor, no heap. libunwind, used before, opened a memory-validation pipe at the lowest
// free descriptors (the host's next open got 5; with stdin closed the pipe *became* stdin:
// issue 11, tests/reliability HostState.*) and called dl_iterate_phdr, whose write lock glibc
// 2.36 does not reset in a fork child (the old at-fork machinery existed for that).
//
// Checked on the machine (docs/RELIABILITY.md "Backtraces"): GCC 12's _Unwind_Find_FDE takes its
// mutex only when frames were registered with *this* copy's __register_frame_info, which nothing
// does (crtbeginS.o does not, and a JIT registers with the host's libgcc_s, another copy): a frame
// without CFI (JIT code, hand-written assembly) ends the walk there (_URC_END_OF_STACK). The one
// pthread_once (libgcc's register-size table) runs in unwind_init(), before any fork.
// Frames of libprobe.so itself (the hook, note, the stack table) are skipped, so the N frames are
// the host's, innermost first (issue 12 item 1).
#include <link.h>
#include <unwind.h>

#include <cstdint>

#include "state.hpp"

namespace probe {

namespace {

std::uintptr_t g_self_lo = 0, g_self_hi = 0;  // libprobe.so's mapping

struct Walk {
  void** frames;
  int max;
  int n;
};

_Unwind_Reason_Code step(_Unwind_Context* ctx, void* arg) {
  auto* w = static_cast<Walk*>(arg);
  const std::uintptr_t ip = _Unwind_GetIP(ctx);
  if (ip == 0) return _URC_END_OF_STACK;
  // The probe's own frames are all innermost: the probe never calls back into the host.
  if (w->n == 0 && ip >= g_self_lo && ip < g_self_hi) return _URC_NO_REASON;
  w->frames[w->n++] = reinterpret_cast<void*>(ip);
  return w->n < w->max ? _URC_NO_REASON : _URC_END_OF_STACK;
}

}  // namespace

void unwind_init() {
  dl_find_object self{};
  if (_dl_find_object(reinterpret_cast<void*>(&unwind_init), &self) == 0) {
    g_self_lo = reinterpret_cast<std::uintptr_t>(self.dlfo_map_start);
    g_self_hi = reinterpret_cast<std::uintptr_t>(self.dlfo_map_end);
  }
  void* frame[1];
  Walk w{frame, 1, 0};
  _Unwind_Backtrace(step, &w);  // runs libgcc's pthread_once now, in one thread, before any fork
}

int unwind_host(void** frames, int max) {
  if (max <= 0) return 0;
  Walk w{frames, max, 0};
  _Unwind_Backtrace(step, &w);
  return w.n;
}

}  // namespace probe
