// capstone_once.hpp — capstone 4's process-wide state, initialised once before any thread decodes.
//
// cs_open fills the architecture table (archs_enable) unguarded, and the x86 Intel printer sorts a
// global table of implicit registers on the first instruction it prints (X86_insn_reg_intel,
// arch/X86/X86Mapping.c). Two threads doing that at once race (ThreadSanitizer saw the two qsort
// calls when one file's sweep ran on two threads, sweep.hpp), and a binary search in a half-sorted
// table can return a wrong register. So one thread does it first, once, for every architecture
// the scanner decodes with capstone (x86_64/capstone.cpp, aarch64/capstone.cpp), before any
// decoder is handed out.
#pragma once

namespace interprobe::scan {

void warm_up_capstone();

}  // namespace interprobe::scan
