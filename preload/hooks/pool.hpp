// pool.hpp — the malloc family's bootstrap pool: what its hooks call while no real function is
// known (pool.cpp).
//
// dlsym(RTLD_NEXT, …) may allocate, so until the real functions are resolved the malloc family
// serves requests from a 64 KiB static pool. The stand-ins below are the starting values of the
// family's real:: pointers (real.hpp: kStandIn), so that a hook's call of its real function is
// one indirect jump with no null test, before and after resolution alike; a real function that
// dlsym never finds leaves its stand-in in place (preload/README.md, "A missing real function").
// free()'s pointer is pool::free, which recognises pool blocks, for as long as the pool has served
// anything (settle_free(); in a normal run never, so free() jumps straight to the real one).
#pragma once

#include <cstddef>

#include "../core/symbols.hpp"

#pragma GCC visibility push(hidden)  // as ../runtime/: reached directly, RIP-relative

namespace probe::pool {

// Is `p` a block of the pool? (One load and one branch while the pool has served nothing.)
bool owns(const void* p);
// The size a pool block was asked with (realloc copies it, malloc_usable_size returns it).
std::size_t size_of(const void* p);

// The stand-ins: what each function does with the pool (calloc's memory is zero: static storage).
void* malloc(std::size_t n);
void free(void* p);  // a pool block: nothing; else the real free, once known
void* calloc(std::size_t n, std::size_t size);
void* realloc(void* p, std::size_t n);  // only p == NULL is served (the hook moves pool blocks)
void* aligned_alloc(std::size_t align, std::size_t n);
void* memalign(std::size_t align, std::size_t n);
int posix_memalign(void** out, std::size_t align, std::size_t n);

// The stand-in of the symbol S for real.hpp's table: nullptr for a symbol the pool does not
// serve (its pointer starts at a function that fails the call as symbols.def says).
template <Symbol S>
inline constexpr auto kStandIn = nullptr;
template <>
inline constexpr auto kStandIn<Symbol::malloc> = &pool::malloc;
template <>
inline constexpr auto kStandIn<Symbol::free> = &pool::free;
template <>
inline constexpr auto kStandIn<Symbol::calloc> = &pool::calloc;
template <>
inline constexpr auto kStandIn<Symbol::realloc> = &pool::realloc;
template <>
inline constexpr auto kStandIn<Symbol::aligned_alloc> = &pool::aligned_alloc;
template <>
inline constexpr auto kStandIn<Symbol::memalign> = &pool::memalign;
template <>
inline constexpr auto kStandIn<Symbol::posix_memalign> = &pool::posix_memalign;

// After the required functions are resolved (real.cpp, inside the init guard): free's pointer
// becomes pool::free again if the pool served anything meanwhile.
void settle_free();

}  // namespace probe::pool

#pragma GCC visibility pop
