// runtime.hpp — the probe's process-wide state and the one call every hook makes.
//
// A hook is: note(symbol, return address); call the real function; return. note() initialises the
// probe on first use (whichever hook runs first, possibly before the probe's constructor),
// enters the per-thread re-entry guard, attributes the call to the object containing the return
// address and counts it. The guard makes the probe's own work (dlsym, unwinding, the report)
// invisible to the counts and free of recursion.
#pragma once

#include <atomic>
#include <cstdint>

#include "../core/settings.hpp"
#include "../core/symbols.hpp"

#define PROBE_EXPORT extern "C" __attribute__((visibility("default")))
// __thread, not thread_local: a C++ thread_local declared extern is reached through a TLS
// wrapper call (_ZTH...: it might need dynamic initialisation) in every other file; these
// are all constant-initialised, and the hot paths read them (objdump -d interprobe_bypass_hit).
#define PROBE_TLS __attribute__((tls_model("initial-exec"))) __thread

namespace probe {

// Per-thread re-entry guard as a token: only a holder may call into the core.
class Guard {
 public:
  // Enters the guard, or returns an invalid token if this thread is already inside the probe.
  static Guard enter();
  Guard(Guard&& o) noexcept : held_(o.held_) { o.held_ = false; }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
  ~Guard();
  explicit operator bool() const { return held_; }

 private:
  explicit Guard(bool held) : held_(held) {}
  bool held_;
};

// State: 0 = not started, 1 = initialising, 2 = ready.
extern std::atomic<int> g_init_state;
void init_slow();
inline void ensure_init() {
  if (__builtin_expect(g_init_state.load(std::memory_order_acquire) != 2, 0)) init_slow();
}

const Settings& settings();

// Counts one call of `s` made from the code at `return_address` (unless the probe itself made it).
void note(Symbol s, void* return_address);

// Resolves the next definition of `name` after libprobe (dlsym RTLD_NEXT), falling back to the
// loaded objects one by one for a library opened with RTLD_LOCAL, which RTLD_NEXT cannot see.
// Returns nullptr (after a notice) if no object defines it.
void* resolve_next(const char* name);

// Keeps one line for the report (core/notices.hpp): never written to the host's stderr by
// itself. Any thread, no heap.
void notice(const char* line);

}  // namespace probe

#define PROBE_RETURN_ADDRESS() __builtin_return_address(0)
