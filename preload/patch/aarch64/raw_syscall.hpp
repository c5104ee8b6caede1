// raw_syscall.hpp — system calls without libc, for the code-writing window (code_memory.cpp), on
// aarch64: the number in x8, arguments in x0–x2, `svc #0`, the result in x0 (syscall(2), "Architecture
// calling conventions").
#pragma once

#include <cstdint>

namespace interprobe::patch::arch {

inline long raw_syscall3(long nr, long a, long b, long c) {
  register long x8 asm("x8") = nr;
  register long x0 asm("x0") = a;
  register long x1 asm("x1") = b;
  register long x2 asm("x2") = c;
  asm volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  return x0;
}

}  // namespace interprobe::patch::arch
