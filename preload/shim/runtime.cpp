// runtime.cpp — the shim runtime's slow path: initialisation, lazy resolution of the real
// definitions, a thread's first table, object-map refreshes, fork and thread exit.
//
// Reached from the trampoline only after it saved the whole extended state (xsave), so this
// code may call into libc freely. Everything the runtime does runs with the guard set (runtime/guard.hpp): calls it
// makes into trampolined functions (possible when the shim is made for libc itself, and through
// libc's own calls of its exported functions) are forwarded uncounted, and one whose definition
// is not resolved yet comes back here, nested, and is resolved by symbol_lookup, which calls
// nothing — so resolution never re-enters a trampoline. Start-up, attribution, thread exit and
// fork are the runtime libprobe.so uses too (../runtime/), linked in with its symbols made local:
// a shim works alone and next to libprobe.so, each with its own copy.
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "bypass.hpp"
#include "shim_abi.h"
#include "shim_report.hpp"
#include "state.hpp"
#include "symbol_lookup.hpp"

namespace shim {

SparseCounts* g_counts = nullptr;

namespace {

alignas(SparseCounts) unsigned char g_counts_storage[sizeof(SparseCounts)];

void on_thread_exit(void* table) {
  g_counts->release(static_cast<SparseCounts::Table*>(table));
  t_table = kThreadGone;
  // Off the fast path: the table may go to another thread; later calls count into the shared one.
  probe::t_thread_word = (probe::t_thread_word & probe::kInRuntime) | probe::kOffFastPath;
}

void after_fork_child() {  // the map and the report: runtime/start.cpp
  g_counts->reset_after_fork(t_table == kThreadGone ? nullptr : t_table);
}

void do_init() {
  // The settings (PROBE_SHIM_* first: shim_report.hpp), which file stderr is, the object map and
  // the shim's own place in it, thread exit and fork (runtime/start.hpp).
  probe::start_runtime(probe::FrontEnd{shim_getenv, "shim.so",
                                       reinterpret_cast<const void*>(&do_init), on_thread_exit,
                                       after_fork_child});
  g_counts = new (g_counts_storage) SparseCounts();
}

// Returns once the runtime is ready, or at once if this thread is the one initialising it.
void ensure_init() {
  if (!probe::runtime_ready()) probe::start_once(do_init);
}

}  // namespace

const char* name_of(std::uint32_t index) {
  return interprobe_shim_strtab + interprobe_shim_names[index];
}

namespace {
std::uintptr_t g_vdso_base = 0;
}  // namespace

// The next definition of `name` after the shim (core/symbol_lookup.hpp): read from the loaded
// objects' symbol tables, calling nothing. Not dlsym: in a shim of libc, dlsym itself calls
// functions the shim trampolines, whose first call would resolve them with dlsym again (issue 11
// item 5: every program crashed). getauxval is one of the runtime's own calls, which no shim
// trampolines (tools/shim skips them); the value never changes, so racing writers agree.
void* resolve_index(std::uint32_t index) {
  if (g_vdso_base == 0) g_vdso_base = getauxval(AT_SYSINFO_EHDR);
  // _DYNAMIC (<link.h>; the linker defines it in every object) is the shim's own dynamic
  // section: it names the shim among the loaded objects, so that resolution skips it.
  return probe::find_definition(name_of(index), _DYNAMIC, g_vdso_base);
}

SparseCounts::Table* thread_table() {
  if (!probe::runtime_ready()) return nullptr;
  return probe::thread_counts(t_table, *g_counts);
}

namespace {

[[noreturn]] void no_definition(std::uint32_t index) {
  char line[512];
  std::snprintf(line, sizeof line,
                "interprobe shim: no definition of %s after the shim (made for %s): cannot "
                "forward the call\n",
                name_of(index), interprobe_shim_strtab + interprobe_shim_library);
  if (write(2, line, std::strlen(line)) < 0) {
  }
  std::abort();
}

}  // namespace
}  // namespace shim

using namespace shim;

extern "C" void* interprobe_shim_slow(std::uint32_t index, std::uintptr_t ret) {
  // errno is part of what the caller may hand to the callee (a function that reports the errno
  // its caller left): mmap, readlink and friends below must not change it.
  const int saved_errno = errno;
  const bool outer = !probe::in_runtime();
  probe::set_in_runtime(true);
  ensure_init();
  void* target = __atomic_load_n(&interprobe_shim_targets[index], __ATOMIC_ACQUIRE);
  if (target == nullptr) {
    target = resolve_index(index);
    if (target == nullptr) no_definition(index);
    __atomic_store_n(&interprobe_shim_targets[index], target, __ATOMIC_RELEASE);
  }
  SparseCounts::Table* t = outer ? thread_table() : nullptr;
  const std::uint32_t epoch = probe::g_epoch.load(std::memory_order_acquire);  // before the lookup
  const probe::ObjectId id = t != nullptr ? probe::attribute(ret) : probe::kUnknownObject;
  if (t != nullptr) probe::sync_epoch();  // the lookup may have learned an object
  if (t != nullptr && !(id == g_self_id && id != probe::kUnknownObject)) {
    // An unknown object (code in no object) is counted, but its site is never filled: the next
    // call asks again, in case the object was loaded since.
    if (id == probe::kUnknownObject)
      SparseCounts::add(t, SparseCounts::make_key(index, id));
    else
      count_call(t, index, ret, id, epoch);
    bypass_mark(t, index, ret, id);  // as hit.cpp
  } else {
    bypass_clear();
  }
  probe::set_in_runtime(!outer);
  errno = saved_errno;
  return target;
}

// Load time: initialise before the program runs, so the report knows every object and the
// file that is stderr is remembered before anyone closes fd 2. (A trampoline called even earlier,
// from another library's constructor, initialises from the slow path instead.)
__attribute__((constructor)) static void shim_constructor() {
  const bool outer = !probe::in_runtime();
  probe::set_in_runtime(true);
  ensure_init();
  // PROBE_BYPASS: patch the real definitions now, while the process is single-threaded.
  if (outer && probe::runtime_ready()) bypass_install();
  probe::set_in_runtime(!outer);
}

// Runs at exit() / return from main, after the program's own destructors.
__attribute__((destructor)) static void shim_destructor() {
  probe::set_in_runtime(true);
  ensure_init();
  write_report();
}
