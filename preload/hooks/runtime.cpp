// runtime.cpp — initialisation, per-call accounting, fork handling and the report at exit.
#include "runtime.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "../core/counters.hpp"
#include "../core/object_map.hpp"
#include "../core/report.hpp"
#include "../core/report_file.hpp"
#include "../core/stacks.hpp"
#include "real.hpp"

#ifndef INTERPROBE_VERSION
#define INTERPROBE_VERSION "unknown"
#endif

namespace probe {

std::atomic<int> g_init_state{0};

namespace {

PROBE_TLS bool t_in_probe = false;
PROBE_TLS bool t_initialising = false;
PROBE_TLS CounterPool::Block* t_block = nullptr;
// Set by the thread-exit destructor: calls after it go to the shared block.
CounterPool::Block* const kThreadGone = reinterpret_cast<CounterPool::Block*>(1);

// Per-thread cache of return address -> object, valid for one map generation.
struct CacheEntry {
  std::uintptr_t address;
  std::uint32_t generation;
  ObjectId id;
};
constexpr std::size_t kCacheSize = 64;
PROBE_TLS CacheEntry t_cache[kCacheSize];

// Storage for the core objects: constructed in init, never destroyed (a hook may run during
// or after static destruction).
alignas(ObjectMap) unsigned char g_map_storage[sizeof(ObjectMap)];
alignas(CounterPool) unsigned char g_pool_storage[sizeof(CounterPool)];
alignas(StackTable) unsigned char g_stacks_storage[sizeof(StackTable)];
ObjectMap* g_map = nullptr;
CounterPool* g_pool = nullptr;
StackTable* g_stacks = nullptr;
Settings g_settings;
char g_main_path[4096] = "[main]";
pthread_key_t g_thread_key;
std::atomic<bool> g_reported{false};
ObjectId g_self_id = kUnknownObject;  // libprobe.so itself: its own calls are never counted

// A private copy of the original stderr: coreutils and others close fd 2 at exit, before the
// report is written. Checked by identity before use (the number may have been reused), and
// closed in fork children so that a daemonising child does not keep the parent's pipe open.
int g_stderr_copy = -1;
dev_t g_stderr_dev = 0;
ino_t g_stderr_ino = 0;

int report_stderr() {
  struct stat st{};
  if (g_stderr_copy >= 0 && fstat(g_stderr_copy, &st) == 0 && st.st_dev == g_stderr_dev &&
      st.st_ino == g_stderr_ino)
    return g_stderr_copy;
  return 2;
}



void on_thread_exit(void* block) {
  g_pool->release(static_cast<CounterPool::Block*>(block));
  t_block = kThreadGone;
}

void after_fork_child() {
  // Only the forking thread survives: its block stays, the rest are free; counts restart so
  // the child's report holds the child's calls only.
  CounterPool::Block* keep = (t_block == kThreadGone) ? nullptr : t_block;
  g_pool->reset_after_fork(keep);
  g_stacks->reset_after_fork();
  g_map->reset_after_fork();
  g_reported.store(false, std::memory_order_relaxed);
  if (g_stderr_copy >= 0) close(g_stderr_copy);
  g_stderr_copy = -1;
}

int unwind(void** frames, int max) { return unw_backtrace(frames, max); }

ObjectId attribute(std::uintptr_t ret) {
  const std::uint32_t gen = g_map->generation();
  CacheEntry& c = t_cache[(ret >> 2) % kCacheSize];
  if (c.address == ret && c.generation == gen) return c.id;
  ObjectId id = g_map->lookup(ret);
  // A library loaded since the last refresh (dlopen, or libc's own loads): refresh once.
  if (id == kUnknownObject && g_map->refresh_if_loader_changed(g_main_path)) id = g_map->lookup(ret);
  c = CacheEntry{ret, g_map->generation(), id};
  return id;
}

void do_init() {
  real::resolve_required();
  SettingsMessages messages;
  g_settings = parse_settings([](const char* n) -> const char* { return ::getenv(n); }, getauxval(AT_SECURE) != 0, messages);
  ssize_t n = readlink("/proc/self/exe", g_main_path, sizeof g_main_path - 1);
  if (n > 0) g_main_path[n] = '\0';
  g_map = new (g_map_storage) ObjectMap();
  g_pool = new (g_pool_storage) CounterPool();
  g_stacks = new (g_stacks_storage) StackTable();
  g_map->refresh_from_loader(g_main_path);
  g_self_id = g_map->lookup(reinterpret_cast<std::uintptr_t>(&do_init));
  struct stat st{};
  if (fstat(2, &st) == 0) {
    g_stderr_copy = fcntl(2, F_DUPFD_CLOEXEC, 100);
    g_stderr_dev = st.st_dev;
    g_stderr_ino = st.st_ino;
  }
  pthread_key_create(&g_thread_key, on_thread_exit);
  pthread_atfork(nullptr, nullptr, after_fork_child);
  for (std::size_t i = 0; i < messages.count; ++i) say(messages.text[i]);
}

void symbolize(StackRecord& rec, void* const* frames, std::size_t depth) {
  // Drop the probe's own frames (record, note, the hook) at the top of the stack.
  Dl_info self{};
  dladdr(reinterpret_cast<void*>(&symbolize), &self);
  std::size_t i = 0;
  while (i < depth) {
    Dl_info info{};
    if (dladdr(frames[i], &info) == 0 || info.dli_fbase != self.dli_fbase) break;
    ++i;
  }
  for (; i < depth; ++i) {
    Dl_info info{};
    StackFrame f{reinterpret_cast<std::uintptr_t>(frames[i]), "", "", 0};
    if (dladdr(frames[i], &info) != 0) {
      f.object = info.dli_fname != nullptr ? info.dli_fname : "";
      if (info.dli_sname != nullptr) {
        f.function = info.dli_sname;
        f.offset = f.address - reinterpret_cast<std::uintptr_t>(info.dli_saddr);
      } else {
        f.offset = f.address - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
      }
    }
    rec.frames.push_back(std::move(f));
  }
}

void write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    ssize_t w = write(fd, s.data() + done, s.size() - done);
    if (w <= 0) return;  // nothing to do about it without disturbing the host
    done += static_cast<std::size_t>(w);
  }
}

}  // namespace

Guard Guard::enter() {
  if (t_in_probe) return Guard(false);
  t_in_probe = true;
  return Guard(true);
}

Guard::~Guard() {
  if (held_) t_in_probe = false;
}

void say(const char* line) {
  std::size_t n = std::strlen(line);
  if (write(2, line, n) < 0 || write(2, "\n", 1) < 0) return;
}

const Settings& settings() { return g_settings; }

void init_slow() {
  int expected = 0;
  if (g_init_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    t_initialising = true;
    t_in_probe = true;
    do_init();
    t_in_probe = false;
    t_initialising = false;
    g_init_state.store(2, std::memory_order_release);
    return;
  }
  if (t_initialising) return;  // dlsym's calloc during init: the hook falls back on its pool
  while (g_init_state.load(std::memory_order_acquire) != 2) sched_yield();
}

namespace {

// Everything note() may have to do besides counting a call from a known site: initialisation, a
// new thread's block, a return address not in the cache, the stack table. Out of line so that the
// fast path in note() needs no stack frame and no saved registers.
__attribute__((noinline, cold)) void note_slow(Symbol s, std::uintptr_t ret) {
  ensure_init();
  if (g_init_state.load(std::memory_order_relaxed) != 2) return;
  Guard g = Guard::enter();
  if (!g) return;
  CounterPool::Block* b = t_block;
  if (b == nullptr) {
    b = g_pool->acquire();
    t_block = b;
    pthread_setspecific(g_thread_key, b);
  } else if (b == kThreadGone) {
    b = g_pool->shared_block();
  }
  const ObjectId caller = attribute(ret);
  if (caller == g_self_id && caller != kUnknownObject) return;  // e.g. the static libstdc++'s init
  CounterPool::add(b, s, caller);
  if (g_settings.backtrace != 0) g_stacks->record(s, ret, g_settings.backtrace, unwind);
}

__attribute__((noinline)) void record_stack(Symbol s, std::uintptr_t ret) {
  Guard g = Guard::enter();  // a new site is unwound, and libunwind may call out
  if (g) g_stacks->record(s, ret, g_settings.backtrace, unwind);
}

}  // namespace

// The hook path (bench/ measures it: docs/PERFORMANCE.md). A call from a site already in this
// thread's attribution cache, on a thread that owns a counter block, is counted with loads,
// compares and one store to the thread's own block; anything else goes to note_slow(), which does
// exactly what this did before the split. The re-entry guard is only read here, not taken: nothing
// on this path calls out, so nothing can re-enter.
void note(Symbol s, void* return_address) {
  const auto ret = reinterpret_cast<std::uintptr_t>(return_address);
  CounterPool::Block* b = t_block;
  if (__builtin_expect(g_init_state.load(std::memory_order_acquire) == 2 && !t_in_probe &&
                           b != nullptr && b != kThreadGone,
                       1)) {
    const CacheEntry& c = t_cache[(ret >> 2) % kCacheSize];
    if (__builtin_expect(c.address == ret && c.generation == g_map->generation(), 1)) {
      if (c.id == g_self_id && c.id != kUnknownObject) return;
      CounterPool::add(b, s, c.id);
      if (g_settings.backtrace != 0) record_stack(s, ret);
      return;
    }
  }
  note_slow(s, ret);
}

void* resolve_next(const char* name) {
  Guard g = Guard::enter();  // dlsym may allocate: keep that out of the counts
  if (void* p = dlsym(RTLD_NEXT, name)) return p;
  // RTLD_LOCAL objects are not in the global scope that RTLD_NEXT searches; ask each object,
  // except libprobe itself.
  struct Find {
    const char* name;
    void* self_base;
    void* found;
  } find{name, nullptr, nullptr};
  Dl_info self{};
  if (dladdr(reinterpret_cast<void*>(&resolve_next), &self) != 0) find.self_base = self.dli_fbase;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) -> int {
        auto* f = static_cast<Find*>(data);
        if (info->dlpi_name == nullptr || info->dlpi_name[0] == '\0') return 0;
        void* h = dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
        if (h == nullptr) return 0;
        void* p = dlsym(h, f->name);
        Dl_info where{};
        if (p != nullptr && dladdr(p, &where) != 0 && where.dli_fbase != f->self_base) f->found = p;
        dlclose(h);
        return f->found != nullptr;
      },
      &find);
  if (find.found == nullptr) {
    char line[256];
    std::snprintf(line, sizeof line, "interprobe: no definition of %s after libprobe.so", name);
    say(line);
  }
  return find.found;
}

// Runs at exit() / return from main, after the program's own destructors (libprobe is
// initialised before the program, so it is finalised after it).
__attribute__((destructor)) static void report_at_exit() {
  ensure_init();
  if (g_reported.exchange(true)) return;
  Guard g = Guard::enter();
  static Totals totals;  // 43 KiB: not on the stack of a thread we do not own
  g_pool->snapshot(totals);
  ReportData d;
  d.version = INTERPROBE_VERSION;
  d.pid = static_cast<long>(getpid());
  d.settings = &g_settings;
  d.totals = &totals;
  for (std::size_t i = 0; i < g_map->object_count(); ++i)
    d.objects.emplace_back(g_map->object_name(static_cast<ObjectId>(i)));
  g_stacks->for_each([&](const StackTable::Entry& e) {
    std::uint64_t count = e.count.load(std::memory_order_relaxed);
    if (count == 0) return;
    StackRecord rec{static_cast<Symbol>(e.symbol), count, {}};
    symbolize(rec, e.frames, e.depth);
    d.stacks.push_back(std::move(rec));
  });
  d.stack_overflow = g_stacks->overflow();
  std::string body = g_settings.format == Format::json ? render_json(d) : render_text(d);
  ReportTarget t = open_report(g_settings.report_path, d.pid);
  if (t.fd == 2) t.fd = report_stderr();
  if (!t.message.empty()) write_all(report_stderr(), t.message + "\n");
  write_all(t.fd, body);
  if (!t.path.empty()) close(t.fd);
}

}  // namespace probe
