// guard.hpp — the runtime's per-thread state word, with its re-entry guard, one for both
// front-ends.
//
// The guard bit is set while this thread runs the runtime's own code (start-up, dlsym, unwinding,
// a report): a call it makes into a hooked or trampolined function (the report's malloc; in a shim
// of libc, every libc call) is forwarded uncounted and cannot recurse into the runtime. The
// counting paths only read the word; the slow paths take the guard.
//
// The rest of the word is the front-end's: libprobe keeps its thread's counter block there
// (hooks/note.hpp), so that one load and one test decide its fast path — initialised, this thread
// owns a block, not inside the runtime, nothing else to do (issue 15: these were five tests of
// four variables). kOffFastPath, set from the start, means "not on the fast path"; a shim never
// clears it.
#pragma once

#include <cstdint>

#include "tls.hpp"

#pragma GCC visibility push(hidden)  // as start.hpp says

namespace probe {

inline constexpr std::uintptr_t kInRuntime = 1;    // the guard
inline constexpr std::uintptr_t kOffFastPath = 2;  // the front-end's fast path must not count
inline constexpr std::uintptr_t kWordFlags = 7;    // low bits the front-end's pointer leaves free

extern constinit PROBE_TLS std::uintptr_t t_thread_word;

inline bool in_runtime() { return (t_thread_word & kInRuntime) != 0; }
// Sets or clears only the guard bit: a pointer the front-end stored meanwhile stays. (A signal
// handler's hook between the load and the store puts the word back as it found it, or publishes a
// block that the next slow path publishes again.)
inline void set_in_runtime(bool on) {
  t_thread_word = on ? (t_thread_word | kInRuntime) : (t_thread_word & ~kInRuntime);
}

// The guard as a token: only a holder may call into the core.
class Guard {
 public:
  // Enters the guard, or returns an invalid token if this thread is already inside the runtime.
  static Guard enter() {
    if (in_runtime()) return Guard(false);
    set_in_runtime(true);
    return Guard(true);
  }
  Guard(Guard&& o) noexcept : held_(o.held_) { o.held_ = false; }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
  ~Guard() {
    if (held_) set_in_runtime(false);
  }
  explicit operator bool() const { return held_; }

 private:
  explicit Guard(bool held) : held_(held) {}
  bool held_;
};

}  // namespace probe

#pragma GCC visibility pop
