// code_memory.cpp — see code_memory.hpp.
#include "code_memory.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "raw_syscall.hpp"

namespace interprobe::patch {

namespace {

std::uintptr_t page_size() {
  static const std::uintptr_t ps = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  return ps;
}

std::uint64_t distance(std::uintptr_t a, std::uintptr_t b) { return a > b ? a - b : b - a; }

bool within_reach(std::uintptr_t p, std::size_t bytes, std::uintptr_t lo, std::uintptr_t hi,
                  std::uint64_t reach) {
  const std::uintptr_t end = p + bytes;
  return distance(p, lo) < reach && distance(p, hi) < reach && distance(end, lo) < reach &&
         distance(end, hi) < reach;
}

void* try_map(std::uintptr_t at, std::size_t bytes) {
  void* p = mmap(reinterpret_cast<void*>(at), bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  // Kernels before 4.17 ignore MAP_FIXED_NOREPLACE and treat the address as a hint.
  if (reinterpret_cast<std::uintptr_t>(p) != at) {
    munmap(p, bytes);
    return nullptr;
  }
  return p;
}

}  // namespace

void* map_near(std::uintptr_t lo, std::uintptr_t hi, std::size_t bytes, std::uint64_t reach) {
  const std::uintptr_t ps = page_size();
  bytes = (bytes + ps - 1) & ~(ps - 1);
  // Steps of 1 MiB: few system calls, and a hole that size is common next to libraries.
  constexpr std::uintptr_t kStep = 1 << 20;
  const std::uintptr_t base_lo = lo & ~(ps - 1);
  for (std::uintptr_t d = kStep; d < reach; d += kStep) {
    if (base_lo > d + bytes) {
      const std::uintptr_t at = base_lo - d;
      if (within_reach(at, bytes, lo, hi, reach))
        if (void* p = try_map(at, bytes)) return p;
    }
    const std::uintptr_t above = ((hi + ps - 1) & ~(ps - 1)) + d;
    if (within_reach(above, bytes, lo, hi, reach))
      if (void* p = try_map(above, bytes)) return p;
  }
  return nullptr;
}

bool seal(void* pool, std::size_t bytes) {
  if (mprotect(pool, bytes, PROT_READ | PROT_EXEC) == 0) return true;
  munmap(pool, bytes);
  return false;
}

std::size_t write_code(CodeWrite* writes, std::size_t count) {
  std::sort(writes, writes + count, [](const CodeWrite& a, const CodeWrite& b) { return a.at < b.at; });
  const std::uintptr_t ps = page_size();
  // Signals blocked for the window: a handler of this thread could run code on an open page.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  std::size_t written = 0;
  for (std::size_t i = 0; i < count;) {
    // A run: writes whose pages touch or overlap, written in one window.
    const std::uintptr_t first = writes[i].at & ~(ps - 1);
    std::uintptr_t last = (writes[i].at + writes[i].length + ps - 1) & ~(ps - 1);
    std::size_t j = i + 1;
    while (j < count && (writes[j].at & ~(ps - 1)) <= last) {
      last = std::max(last, (writes[j].at + writes[j].length + ps - 1) & ~(ps - 1));
      ++j;
    }
    const long len = static_cast<long>(last - first);
    if (arch::raw_syscall3(SYS_mprotect, static_cast<long>(first), len, PROT_READ | PROT_WRITE) != 0)
      break;
    for (std::size_t k = i; k < j; ++k) {
      auto* dst = reinterpret_cast<volatile std::uint8_t*>(writes[k].at);
      for (std::size_t b = 0; b < writes[k].length; ++b) dst[b] = writes[k].bytes[b];
    }
    // Cannot fail where the first call succeeded (same range, fewer rights than the mapping has).
    arch::raw_syscall3(SYS_mprotect, static_cast<long>(first), len, PROT_READ | PROT_EXEC);
    written = j;
    i = j;
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return written;
}

}  // namespace interprobe::patch
