// malloc_hooks.cpp — the malloc family, as glibc's manual lists it for a replacement malloc
// ("Replacing malloc": malloc, free, calloc, realloc, aligned_alloc, malloc_usable_size,
// memalign, posix_memalign, pvalloc, valloc).
//
// Until the real functions are resolved (and while dlsym itself allocates, see real.cpp), requests
// are served from a small static pool; free() and malloc_usable_size() recognise pool pointers,
// realloc() moves them to the real heap. This family's documented fallback for a missing real
// function is that pool (the hooks dlsym may reach read real::next themselves); pvalloc, valloc
// and malloc_usable_size, which dlsym never calls, fail as every other hook (real.hpp). Not hooked: reallocarray (glibc implements it with its
// internal realloc, which no override reaches) and the C++ operators (they call malloc).
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "real.hpp"

using probe::Symbol;
namespace real = probe::real;

namespace {

// 64 KiB is far more than dlsym's one dlerror buffer; beyond it we fail the allocation.
alignas(64) unsigned char g_pool[64 * 1024];
std::atomic<std::size_t> g_pool_used{0};

// Only while the pool has served anything: in a normal run it never has (the real functions are
// resolved before anything allocates; gdb on probe_overhead and python3: g_pool_used 0 at exit),
// so free() on the hook path pays one load and one branch for it, not the range check
// (bench/: 5 instructions per malloc+free pair).
bool from_pool(const void* p) {
  if (__builtin_expect(g_pool_used.load(std::memory_order_relaxed) == 0, 1)) return false;
  auto a = reinterpret_cast<std::uintptr_t>(p), base = reinterpret_cast<std::uintptr_t>(g_pool);
  return a - base < sizeof g_pool;
}

// Each block is preceded by its size, so realloc can copy it.
void* pool_alloc(std::size_t n, std::size_t align = 16) {
  if (align < 16) align = 16;
  std::size_t need = n + align + sizeof(std::size_t);
  std::size_t off = g_pool_used.fetch_add(need, std::memory_order_relaxed);
  if (off + need > sizeof g_pool) return nullptr;
  auto start = reinterpret_cast<std::uintptr_t>(g_pool + off + sizeof(std::size_t));
  auto aligned = (start + align - 1) & ~(std::uintptr_t{align} - 1);
  reinterpret_cast<std::size_t*>(aligned)[-1] = n;
  return reinterpret_cast<void*>(aligned);  // static storage: already zero, as calloc needs
}

std::size_t pool_size(const void* p) { return static_cast<const std::size_t*>(p)[-1]; }

// What each hook does after counting (note.hpp's hook(): inline behind the fast path, out of
// line behind the slow one).
[[gnu::always_inline]] inline void* malloc_body(std::size_t n) {
  if (auto f = real::next.malloc) return f(n);
  return pool_alloc(n);
}

[[gnu::always_inline]] inline void free_body(void* p) {
  if (from_pool(p)) return;  // free(NULL) goes on: the real free does nothing with it
  if (auto f = real::next.free) f(p);
}

[[gnu::always_inline]] inline void* calloc_body(std::size_t n, std::size_t size) {
  if (auto f = real::next.calloc) return f(n, size);
  if (size != 0 && n > SIZE_MAX / size) return nullptr;
  return pool_alloc(n * size);
}

[[gnu::always_inline]] inline void* realloc_body(void* p, std::size_t n) {
  if (p != nullptr && from_pool(p)) {
    void* q = real::next.malloc != nullptr ? real::next.malloc(n) : pool_alloc(n);
    if (q != nullptr) std::memcpy(q, p, pool_size(p) < n ? pool_size(p) : n);
    return q;
  }
  if (auto f = real::next.realloc) return f(p, n);
  return p == nullptr ? pool_alloc(n) : nullptr;
}

[[gnu::always_inline]] inline void* aligned_alloc_body(std::size_t align, std::size_t n) {
  if (auto f = real::next.aligned_alloc) return f(align, n);
  return pool_alloc(n, align);
}

[[gnu::always_inline]] inline void* memalign_body(std::size_t align, std::size_t n) {
  if (auto f = real::next.memalign) return f(align, n);
  return pool_alloc(n, align);
}

[[gnu::always_inline]] inline int posix_memalign_body(void** out, std::size_t align,
                                                      std::size_t n) {
  if (auto f = real::next.posix_memalign) return f(out, align, n);
  *out = pool_alloc(n, align);
  return *out != nullptr ? 0 : ENOMEM;
}

[[gnu::always_inline]] inline void* pvalloc_body(std::size_t n) { return real::pvalloc(n); }
[[gnu::always_inline]] inline void* valloc_body(std::size_t n) { return real::valloc(n); }

[[gnu::always_inline]] inline std::size_t malloc_usable_size_body(void* p) {
  if (p != nullptr && from_pool(p)) return pool_size(p);
  return real::malloc_usable_size(p);
}

}  // namespace

PROBE_EXPORT void* malloc(std::size_t n) {
  return probe::hook<malloc_body>(Symbol::malloc, PROBE_RETURN_ADDRESS(), n);
}

PROBE_EXPORT void free(void* p) {
  return probe::hook<free_body>(Symbol::free, PROBE_RETURN_ADDRESS(), p);
}

PROBE_EXPORT void* calloc(std::size_t n, std::size_t size) {
  return probe::hook<calloc_body>(Symbol::calloc, PROBE_RETURN_ADDRESS(), n, size);
}

PROBE_EXPORT void* realloc(void* p, std::size_t n) {
  return probe::hook<realloc_body>(Symbol::realloc, PROBE_RETURN_ADDRESS(), p, n);
}

PROBE_EXPORT void* aligned_alloc(std::size_t align, std::size_t n) {
  return probe::hook<aligned_alloc_body>(Symbol::aligned_alloc, PROBE_RETURN_ADDRESS(), align, n);
}

PROBE_EXPORT void* memalign(std::size_t align, std::size_t n) {
  return probe::hook<memalign_body>(Symbol::memalign, PROBE_RETURN_ADDRESS(), align, n);
}

PROBE_EXPORT int posix_memalign(void** out, std::size_t align, std::size_t n) {
  return probe::hook<posix_memalign_body>(Symbol::posix_memalign, PROBE_RETURN_ADDRESS(), out,
                                          align, n);
}

PROBE_EXPORT void* pvalloc(std::size_t n) {
  return probe::hook<pvalloc_body>(Symbol::pvalloc, PROBE_RETURN_ADDRESS(), n);
}

PROBE_EXPORT void* valloc(std::size_t n) {
  return probe::hook<valloc_body>(Symbol::valloc, PROBE_RETURN_ADDRESS(), n);
}

PROBE_EXPORT std::size_t malloc_usable_size(void* p) {
  return probe::hook<malloc_usable_size_body>(Symbol::malloc_usable_size, PROBE_RETURN_ADDRESS(),
                                              p);
}
