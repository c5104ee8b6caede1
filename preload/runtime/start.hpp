// start.hpp — a front-end's start-up, from whichever of its entry points runs first (a hook, a
// trampoline, a constructor: possibly before the module's own constructor), and what the
// runtime then keeps for it: the object map and its own module, the thread-exit handback of a
// thread's counters, the fork-child reset.
//
// Both front-ends (libprobe.so's hooks/, a shim's shim/) call it; each module has its own copy of
// this state (runtime/CMakeLists.txt).
#pragma once

#include <atomic>

#include "../core/object_map.hpp"
#include "../core/settings.hpp"
#include "tls.hpp"

// Hidden (the runtime is linked into each module, never exported): the hot paths reach this
// state directly, RIP-relative, instead of through an address loaded first.
#pragma GCC visibility push(hidden)

namespace probe {

// What a front-end gives the runtime at start-up.
struct FrontEnd {
  GetEnv getenv;  // where its PROBE_* settings come from (a shim's: PROBE_SHIM_* first)
  const char* module_default;         // its file name (%m) if the loader does not know it
  const void* inside;                 // an address in the front-end's own module
  void (*thread_exit)(void* counts);  // a thread's counters handed back at its exit
  void (*after_fork_child)();         // its own reset in a fork child
};

// 0 = not started, 1 = starting, 2 = ready.
extern std::atomic<int> g_start_state;
inline bool runtime_ready() { return g_start_state.load(std::memory_order_acquire) == 2; }

// Runs `init` once, in the first thread to arrive; the others wait for it (sched_yield). A nested
// call from the starting thread itself (dlsym's calloc during start-up) returns at once, the
// runtime not ready: the caller falls back (libprobe's static pool, a shim's uncounted call).
void start_once(void (*init)());
bool starting_in_this_thread();

// The runtime's part of a front-end's init (from inside start_once): the process state
// (process_state.hpp), the object map of the loaded objects and the front-end's own module among
// them (g_self_id: its calls are never counted), thread exit and fork handlers.
void start_runtime(const FrontEnd& fe);

extern ObjectId g_self_id;

// This thread's counters are `counts` until it exits: then fe.thread_exit(counts) hands them back.
void keep_until_thread_exit(void* counts);

// A thread's slot after its exit destructor ran: later calls count into the shared counters.
template <typename T>
inline T* thread_gone() {
  return reinterpret_cast<T*>(1);
}

}  // namespace probe

namespace probe {

// This thread's counters from `pool` (CounterPool, SparseCounts): its first call takes a slot and
// keeps it until the thread exits; after the exit destructor ran (a late destructor's calls), or
// when the pool has none left, the shared one (atomic adds). Inside the front-end's re-entry
// guard: acquiring may map the slot's pages.
template <typename Pool, typename Slot>
Slot* thread_counts(Slot*& mine, Pool& pool) {
  Slot* s = mine;
  if (s == nullptr) {
    s = pool.acquire();
    if (s == nullptr)
      s = thread_gone<Slot>();
    else
      keep_until_thread_exit(s);
    mine = s;
  }
  return s == thread_gone<Slot>() ? pool.shared() : s;
}

}  // namespace probe

#pragma GCC visibility pop
