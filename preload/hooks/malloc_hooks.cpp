// malloc_hooks.cpp — the malloc family, as glibc's manual lists it for a replacement malloc
// ("Replacing malloc": malloc, free, calloc, realloc, aligned_alloc, malloc_usable_size,
// memalign, posix_memalign, pvalloc, valloc).
//
// Until the real functions are resolved (and while dlsym itself allocates, see real.cpp), requests
// are served from a small static pool (pool.hpp): the real:: pointers of the functions dlsym may
// reach start at the pool's stand-ins, which also stay if a real function is missing (this
// family's documented fallback); free() and malloc_usable_size() recognise pool blocks, realloc()
// moves them to the real heap. pvalloc, valloc and malloc_usable_size, which dlsym never calls,
// fail as every other hook (real.hpp). Not hooked: reallocarray (glibc implements it with its
// internal realloc, which no override reaches) and the C++ operators (they call malloc).
#include <cstring>

#include "pool.hpp"
#include "real.hpp"

using probe::Symbol;
namespace real = probe::real;

namespace {

// What each hook does after counting (note.hpp's hook(): inline behind the fast path, out of
// line behind the slow one).
[[gnu::always_inline]] inline void* malloc_body(std::size_t n) { return real::malloc(n); }

[[gnu::always_inline]] inline void free_body(void* p) { real::free(p); }

[[gnu::always_inline]] inline void* calloc_body(std::size_t n, std::size_t size) {
  return real::calloc(n, size);
}

// A pool block moves to the heap (the real malloc, or the pool again while there is none).
[[gnu::always_inline]] inline void* realloc_body(void* p, std::size_t n) {
  if (p != nullptr && probe::pool::owns(p)) {
    void* q = real::malloc(n);
    const std::size_t had = probe::pool::size_of(p);
    if (q != nullptr) std::memcpy(q, p, had < n ? had : n);
    return q;
  }
  return real::realloc(p, n);
}

[[gnu::always_inline]] inline void* aligned_alloc_body(std::size_t align, std::size_t n) {
  return real::aligned_alloc(align, n);
}

[[gnu::always_inline]] inline void* memalign_body(std::size_t align, std::size_t n) {
  return real::memalign(align, n);
}

[[gnu::always_inline]] inline int posix_memalign_body(void** out, std::size_t align,
                                                      std::size_t n) {
  return real::posix_memalign(out, align, n);
}

[[gnu::always_inline]] inline void* pvalloc_body(std::size_t n) { return real::pvalloc(n); }
[[gnu::always_inline]] inline void* valloc_body(std::size_t n) { return real::valloc(n); }

[[gnu::always_inline]] inline std::size_t malloc_usable_size_body(void* p) {
  if (p != nullptr && probe::pool::owns(p)) return probe::pool::size_of(p);
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
