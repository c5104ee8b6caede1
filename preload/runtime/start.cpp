// start.cpp — see start.hpp.
#include "start.hpp"

#include <pthread.h>
#include <sched.h>

#include <new>

#include "attribution.hpp"
#include "guard.hpp"
#include "process_state.hpp"
#include "report_writer.hpp"

namespace probe {

constinit PROBE_TLS std::uintptr_t t_thread_word = kOffFastPath;
std::atomic<int> g_start_state{0};
ObjectMap* g_map = nullptr;
ObjectId g_self_id = kUnknownObject;

namespace {

PROBE_TLS bool t_starting = false;

// Constructed at start-up from static storage, never destroyed (a hook may run during or after
// static destruction).
alignas(ObjectMap) unsigned char g_map_storage[sizeof(ObjectMap)];
pthread_key_t g_thread_key;
FrontEnd g_front_end;

void after_fork_child() {
  // Only the forking thread survives; each process reports its own calls.
  g_map->reset_after_fork();
  report_after_fork_child();
  g_front_end.after_fork_child();
}

}  // namespace

void start_once(void (*init)()) {
  int expected = 0;
  if (g_start_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    t_starting = true;
    init();
    t_starting = false;
    g_start_state.store(2, std::memory_order_release);
    return;
  }
  if (t_starting) return;
  while (g_start_state.load(std::memory_order_acquire) != 2) sched_yield();
}

bool starting_in_this_thread() { return t_starting; }

void start_runtime(const FrontEnd& fe) {
  g_front_end = fe;
  start_process_state(fe.getenv, fe.inside, fe.module_default);
  g_map = new (g_map_storage) ObjectMap();
  g_map->refresh_from_loader(g_process.main_path);
  g_self_id = g_map->lookup(reinterpret_cast<std::uintptr_t>(fe.inside));
  pthread_key_create(&g_thread_key, fe.thread_exit);
  pthread_atfork(nullptr, nullptr, after_fork_child);
}

void keep_until_thread_exit(void* counts) { pthread_setspecific(g_thread_key, counts); }

}  // namespace probe
