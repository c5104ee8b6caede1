// state.hpp — the probe's process-wide objects, shared inside hooks/ only: runtime.cpp creates
// them (init, hook path, fork) and reporting.cpp reads them (the report at exit and on demand).
#pragma once

#include <atomic>
#include <cstdint>

#include "../core/counters.hpp"
#include "../core/object_map.hpp"
#include "../core/settings.hpp"
#include "../core/stacks.hpp"
#include "../runtime/attribution.hpp"
#include "../runtime/process_state.hpp"
#include "../runtime/start.hpp"
#include "runtime.hpp"

#pragma GCC visibility push(hidden)  // as ../runtime/: reached directly, RIP-relative

namespace probe {

// This thread's counter block (null until its first counted call; kThreadGone once its exit
// destructor ran, after which it counts into the shared block). The fast path reads it from the
// thread's state word instead (runtime/guard.hpp), where note_slow() puts it.
extern PROBE_TLS CounterPool::Block* t_block;
inline CounterPool::Block* const kThreadGone = thread_gone<CounterPool::Block>();
// The block to count into, taken from the pool on a thread's first call (runtime/start.hpp's
// thread_counts; inside the re-entry guard: it may allocate the block's pages).
CounterPool::Block* this_thread_block();

// A site's slot is valid while the runtime's epoch (runtime/attribution.hpp: g_epoch,
// bump_epoch, sync_epoch) is the one it was filled in. libprobe bumps it also when a report on
// demand is pending (the signal handler: the next malloc-family call of any thread misses and
// writes it) and when PROBE_BYPASS switches marking on.

// Constructed in init from static storage, never destroyed (a hook may run during or after
// static destruction). The object map and the attribution cache are the runtime's
// (runtime/attribution.hpp: g_map, attribute).
extern CounterPool* g_pool;
extern StackTable* g_stacks;

// The settings, notices, which file stderr was, %m and /proc/self/exe: the runtime's g_process
// (runtime/process_state.hpp).

// Report on demand (PROBE_REPORT_SIGNAL): the handler only counts the request; the next
// malloc-family hook in any thread writes one report for all requests so far (reporting.cpp).
extern std::atomic<unsigned> g_report_requests;
void install_report_signal();    // at init, if PROBE_REPORT_SIGNAL is set
void report_on_demand();         // hook path, inside the guard, when the flag is set
void reporting_after_fork_child();

// unwind.cpp: the stack of a new call site, host frames only (libprobe's own are skipped).
void unwind_init();                       // at init, with PROBE_BACKTRACE: before any fork
int unwind_host(void** frames, int max);  // frames innermost first; returns how many

}  // namespace probe

#pragma GCC visibility pop
