// pool.cpp — see pool.hpp.
#include "pool.hpp"

#include <atomic>
#include <cerrno>
#include <cstdint>

#include "real.hpp"

namespace probe::pool {

namespace {

// 64 KiB is far more than dlsym's one dlerror buffer; beyond it we fail the allocation.
alignas(64) unsigned char g_pool[64 * 1024];
std::atomic<std::size_t> g_pool_used{0};

// Each block is preceded by its size, so realloc can copy it.
void* pool_alloc(std::size_t n, std::size_t align = 16) {
  if (align < 16) align = 16;
  std::size_t need = n + align + sizeof(std::size_t);
  // Sequentially consistent with real.cpp's store of free's pointer and settle_free()'s load of
  // this count: either this thread sees the real free in place and puts pool::free back, or
  // settle_free() sees the pool in use (a Dekker pair: at least one of the two sees the other).
  std::size_t off = g_pool_used.fetch_add(need, std::memory_order_seq_cst);
  auto f = __atomic_load_n(&real::next.free, __ATOMIC_SEQ_CST);
  if (f != &pool::free)
    __atomic_compare_exchange_n(&real::next.free, &f, &pool::free, false, __ATOMIC_SEQ_CST,
                                __ATOMIC_SEQ_CST);
  if (off + need > sizeof g_pool) return nullptr;
  auto start = reinterpret_cast<std::uintptr_t>(g_pool + off + sizeof(std::size_t));
  auto aligned = (start + align - 1) & ~(std::uintptr_t{align} - 1);
  reinterpret_cast<std::size_t*>(aligned)[-1] = n;
  return reinterpret_cast<void*>(aligned);  // static storage: already zero, as calloc needs
}

}  // namespace

// Only while the pool has served anything: in a normal run it never has (the real functions are
// resolved before anything allocates; gdb on probe_overhead and python3: g_pool_used 0 at exit).
bool owns(const void* p) {
  if (__builtin_expect(g_pool_used.load(std::memory_order_relaxed) == 0, 1)) return false;
  auto a = reinterpret_cast<std::uintptr_t>(p), base = reinterpret_cast<std::uintptr_t>(g_pool);
  return a - base < sizeof g_pool;
}

std::size_t size_of(const void* p) { return static_cast<const std::size_t*>(p)[-1]; }

void* malloc(std::size_t n) { return pool_alloc(n); }

void free(void* p) {
  if (owns(p)) return;  // free(NULL) goes on: the real free does nothing with it
  if (auto f = reinterpret_cast<void (*)(void*)>(real::found(Symbol::free))) f(p);
}

void* calloc(std::size_t n, std::size_t size) {
  if (size != 0 && n > SIZE_MAX / size) return nullptr;
  return pool_alloc(n * size);
}

void* realloc(void* p, std::size_t n) { return p == nullptr ? pool_alloc(n) : nullptr; }

void* aligned_alloc(std::size_t align, std::size_t n) { return pool_alloc(n, align); }

void* memalign(std::size_t align, std::size_t n) { return pool_alloc(n, align); }

int posix_memalign(void** out, std::size_t align, std::size_t n) {
  *out = pool_alloc(n, align);
  return *out != nullptr ? 0 : ENOMEM;
}

void settle_free() {
  if (g_pool_used.load(std::memory_order_seq_cst) != 0)
    __atomic_store_n(&real::next.free, &pool::free, __ATOMIC_SEQ_CST);
}

}  // namespace probe::pool
