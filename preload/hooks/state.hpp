// state.hpp — the probe's process-wide objects, shared inside hooks/ only: runtime.cpp creates
// them (init, hook path, fork) and reporting.cpp reads them (the report at exit and on demand).
#pragma once

#include <atomic>

#include "../core/counters.hpp"
#include "../core/notices.hpp"
#include "../core/object_map.hpp"
#include "../core/settings.hpp"
#include "../core/stacks.hpp"
#include "../core/stderr_file.hpp"
#include "runtime.hpp"

namespace probe {

// The re-entry guard's flag (runtime.cpp's Guard): set while this thread is inside the probe.
extern PROBE_TLS bool t_in_probe;

// This thread's counter block (null until its first counted call; kThreadGone once its exit
// destructor ran, after which it counts into the shared block).
extern PROBE_TLS CounterPool::Block* t_block;
inline CounterPool::Block* const kThreadGone = reinterpret_cast<CounterPool::Block*>(1);
// The block to count into, taken from the pool on a thread's first call (runtime.cpp; inside the
// re-entry guard: it may allocate the block's pages).
CounterPool::Block* this_thread_block();

// The object holding the code at `ret` (the hooks' attribution, with its per-thread cache).
ObjectId attribute_caller(std::uintptr_t ret);

// Constructed in init from static storage, never destroyed (a hook may run during or after
// static destruction).
extern ObjectMap* g_map;
extern CounterPool* g_pool;
extern StackTable* g_stacks;
extern Settings g_settings;

// Which file fd 2 was at start-up: a report for stderr goes there (stderr_file.hpp).
extern OriginalStderr g_original_stderr;

// The probe's notices (core/notices.hpp), for the report; and the module's file name (%m).
extern Notices g_notices;
extern char g_module_name[256];
extern char g_main_path[4096];  // /proc/self/exe at start-up

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
