// patch.hpp — redirecting a loaded function's real entry to a counting stub, for the bypass
// counter: a call that reaches a library's own definition without passing through an override
// (a direct call, a hidden alias, a -Bsymbolic binding) is seen at the definition itself.
//
// For each chosen function of one loaded object: the first whole instructions after the entry
// (after `endbr64` on x86-64, so that indirect calls still land on it) are replaced by a jump to a
// per-function stub in a pool mapped within reach of the object. The stub calls the runtime's
// counting entry with the function's id, then runs the relocated original instructions and jumps
// back behind them. A function that cannot be patched safely is refused with the reason, never
// guessed at (backend.hpp lists the reasons per architecture). Memory is never writable and
// executable at once: the pool is filled while read-write and then made read-execute, and the
// object's code is written through a read-write, non-executable window of its pages (or
// /proc/self/mem, code_writer.hpp).
//
// What runs where: this folder's code runs inside the target process, on the runtime's start-up
// path (never on the hook path), with the runtime's re-entry guard held; it allocates with mmap
// only, and decodes instructions with Zydis, loaded with dlopen(RTLD_LOCAL) only when patching is
// asked for (x86_64/zydis_api.hpp), so that a host that does not ask never maps it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace interprobe::patch {

// Why a function was not patched. Every refusal is reported with the function's name.
enum class Refusal : std::uint8_t {
  none,
  no_decoder,          // the instruction decoder could not be loaded (libZydis)
  unknown_size,        // the symbol has no size: its end, hence how much may be stolen, is unknown
  too_short,           // fewer bytes than the jump needs before the function ends
  undecodable,         // an instruction of the stolen range is not one the decoder knows
  call_in_stolen,      // a call among the first instructions: its callee would return into the
                       // stub, where no unwind information exists (C++ exceptions would stop)
  not_relocatable,     // an instruction that cannot be moved (e.g. jrcxz/loop, a target beyond
                       // the reach of the stub, a branch inside the stolen bytes)
  branch_into_stolen,  // code elsewhere branches into the replaced bytes
  no_room_nearby,      // no free address range within reach of the object for its stubs
  cannot_write,        // the object's code could not be written (mprotect and /proc/self/mem failed)
  not_in_object,       // the address is in no loaded object's executable segment
  already_patched,     // the entry is patched already (an earlier request for the same address)
  threads_running,     // the process has started threads: code they may be executing is never
                       // rewritten (code_memory.hpp)
  in_vdso,             // the definition is the kernel's vDSO (time, gettimeofday on x86-64):
                       // a page shared with the kernel, never rewritten
  no_symbol,           // no symbol of the object starts at the address (e.g. an IFUNC's chosen
                       // implementation is local): its size, hence its end, is unknown
  no_lahf_sahf,        // the CPU lacks LAHF/SAHF in 64-bit mode, which the counting entry uses
                       // to keep the caller's arithmetic flags (x86_64/entry.S)
  no_backend,          // no entry patcher for this architecture yet (aarch64/backend.cpp)
  unloaded,            // patched once, but its object was unloaded (dlclose) since: a copy loaded
                       // again is mapped afresh, unpatched, until it is patched again
};
const char* describe(Refusal r);

// One function to patch: its entry and size (from the symbol table) and the id the stub passes to
// the counting entry.
struct Function {
  std::uintptr_t entry = 0;
  std::size_t size = 0;
  std::uint32_t id = 0;
};

// The executable code of one loaded object, as mapped: what the sweep for branches reads.
struct CodeRange {
  std::uintptr_t lo = 0, hi = 0;  // [lo, hi)
};

// The per-function result, in the order of the request.
struct Outcome {
  Refusal refusal = Refusal::none;
  std::uint8_t patch_offset = 0;  // bytes kept at the entry (4: endbr64)
  std::uint8_t stolen = 0;        // bytes replaced, whole instructions
  std::uintptr_t stub = 0;        // the stub's address, 0 if refused
};

// The counting entry every stub calls: a routine of the runtime with the architecture's stub
// convention (x86_64/entry.S: id pushed, called, returns to the stub with every register,
// flags and the stack as they were at the function's entry).
struct CountingEntry {
  std::uintptr_t address = 0;
};

// Patches `functions` of the object whose executable code is `code` (all of its executable
// segments: the sweep looks there for branches into the bytes to be replaced). Fills `out`
// (same size as `functions`). Returns how many were patched. Must not run concurrently with
// itself; other threads may run (see code_writer.hpp for what that costs).
std::size_t patch_functions(std::span<const CodeRange> code, std::span<const Function> functions,
                            CountingEntry entry, std::span<Outcome> out);

// Whether the jump written at `entry` by patch_functions is still there: false once its object
// was unloaded and mapped again (fresh code). Reads the entry's bytes: the caller makes sure an
// object holding the entry is mapped (definitions.hpp: still_loaded).
bool still_patched(std::uintptr_t entry);

}  // namespace interprobe::patch
