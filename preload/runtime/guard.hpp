// guard.hpp — the runtime's per-thread re-entry guard, one for both front-ends.
//
// Set while this thread runs the runtime's own code (start-up, dlsym, unwinding, a report): a
// call it makes into a hooked or trampolined function (the report's malloc; in a shim of libc,
// every libc call) is forwarded uncounted and cannot recurse into the runtime. The counting
// paths only read the flag; the slow paths take it.
#pragma once

#include "tls.hpp"

#pragma GCC visibility push(hidden)  // as start.hpp says

namespace probe {

extern constinit PROBE_TLS bool t_in_runtime;

// The guard as a token: only a holder may call into the core.
class Guard {
 public:
  // Enters the guard, or returns an invalid token if this thread is already inside the runtime.
  static Guard enter() {
    if (t_in_runtime) return Guard(false);
    t_in_runtime = true;
    return Guard(true);
  }
  Guard(Guard&& o) noexcept : held_(o.held_) { o.held_ = false; }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
  ~Guard() {
    if (held_) t_in_runtime = false;
  }
  explicit operator bool() const { return held_; }

 private:
  explicit Guard(bool held) : held_(held) {}
  bool held_;
};

}  // namespace probe

#pragma GCC visibility pop
