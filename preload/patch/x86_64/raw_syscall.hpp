// raw_syscall.hpp — system calls without libc, for the code-writing window (code_memory.cpp): libc's
// own wrappers may sit on a page the window has made non-executable.
#pragma once

#include <cstdint>

namespace interprobe::patch::arch {

inline long raw_syscall3(long nr, long a, long b, long c) {
  long ret;
  asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
}

}  // namespace interprobe::patch::arch
