// code_memory.hpp — the two kinds of memory a patch writes: a pool of stubs mapped within reach
// of an object, and the object's own code. Neither is ever writable and executable at once (W^X).
//
// The pool is mapped read-write, filled, then sealed read-execute. The object's code is written
// through a window: its pages are made read-write (not executable), written, and made
// read-execute again, with this thread's signals blocked and without calling any function in
// between — a function of the object being written (libc's mprotect, memcpy) may sit on one of
// those pages — so the window uses raw system calls and a byte loop. Other threads would fault if
// they executed a page while its window is open: the caller writes code only while the process
// is single-threaded (patcher.cpp refuses otherwise).
#pragma once

#include <cstddef>
#include <cstdint>

namespace interprobe::patch {

// Maps `bytes` read-write at an address within `reach` bytes of every address in [lo, hi), or
// returns nullptr. Tries addresses below lo, then above hi, with MAP_FIXED_NOREPLACE.
void* map_near(std::uintptr_t lo, std::uintptr_t hi, std::size_t bytes, std::uint64_t reach);

// Makes a pool from map_near read-execute. False (and the pool unmapped) on failure.
bool seal(void* pool, std::size_t bytes);

// One piece of code to write into an object's executable pages.
struct CodeWrite {
  std::uintptr_t at = 0;
  std::uint8_t bytes[16] = {};
  std::size_t length = 0;
  std::size_t tag = 0;  // the caller's, kept through the sort
};

// Sorts `writes` by address and writes them into executable memory, one read-write window per run
// of pages, leaving those pages read-execute. Returns how many were written: all, or the sorted
// prefix before a window that could not be opened.
std::size_t write_code(CodeWrite* writes, std::size_t count);

}  // namespace interprobe::patch
