// backend.hpp — what patch_functions() (patcher.cpp) needs of one instruction set.
//
// The neutral driver decides nothing about instructions: it asks the backend where the jump goes
// and which instructions it replaces (plan), which direct branch targets the object's code has
// (branch_targets, to refuse a function whose replaced bytes are a branch target), and for the
// bytes of a stub and of the jump. x86_64/backend.cpp is the one backend; README.md lists what an
// aarch64 one must provide.
#pragma once

#include <cstddef>
#include <cstdint>

#include "patch.hpp"

namespace interprobe::patch {

// Where the jump goes in one function and what it replaces.
struct Plan {
  static constexpr std::size_t kMaxInstructions = 8;
  std::uintptr_t entry = 0;
  std::uint8_t patch_offset = 0;  // the jump is written at entry + patch_offset
  std::uint8_t stolen = 0;        // whole instructions replaced, >= the jump's size
  std::uint8_t count = 0;         // instructions in the stolen bytes
  std::uint8_t length[kMaxInstructions] = {};
  std::uintptr_t site() const { return entry + patch_offset; }
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Reads the function's bytes [entry, entry + size) in memory and plans its patch.
  virtual Refusal plan(std::uintptr_t entry, std::size_t size, Plan& plan) = 0;
  // Calls `on_target` with the target of every direct branch (call, jump, conditional jump) that a
  // linear sweep of [lo, hi) decodes.
  virtual void branch_targets(const CodeRange& range, void (*on_target)(void*, std::uintptr_t),
                              void* ctx) = 0;
  // The largest stub emit_stub() writes.
  virtual std::size_t max_stub_size() const = 0;
  // Writes the stub of `plan` for function `id`, to run at address `at`, into `out` (room for
  // max_stub_size() bytes); `entry_slot` is the address of a word holding the counting entry.
  // Returns the stub's length, or 0 and the reason.
  virtual std::size_t emit_stub(const Plan& plan, std::uint32_t id, std::uintptr_t at,
                                std::uintptr_t entry_slot, std::uint8_t* out, Refusal& why) = 0;
  // The jump written at plan.site() to a stub at `stub`; returns its length (== plan's minimum).
  virtual std::size_t emit_jump(std::uintptr_t site, std::uintptr_t stub, std::uint8_t* out) = 0;
  // How far (bytes, either direction) a stub may be from the code it serves and reaches back to.
  virtual std::uint64_t reach() const = 0;
};

// The backend for the machine this code runs on, or nullptr (with `why`) if it cannot be made.
Backend* host_backend(Refusal& why);

}  // namespace interprobe::patch
