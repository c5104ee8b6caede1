// architecture.hpp — what the scanner needs to know about one instruction set: how to find the
// code's references (branch targets, PC-relative operands) and what its relocation types mean.
//
// Two instruction sets, each with two decoders that must agree (tests/scan/scan_decoder_test.cpp
// and scan_aarch64_test.cpp check that they do; docs/PERFORMANCE-scan.md says why the first of
// each pair is the default): x86-64 (x86_64/backend.hpp: Zydis, capstone) and aarch64
// (aarch64/backend.hpp: the built-in A64 field decoder, capstone), from any host.
// architecture.cpp maps e_machine to them; docs/SCAN.md, "Adding an architecture", says what a
// third needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace interprobe::scan {

enum class RefKind : std::uint8_t {
  call,            // call to an immediate target (aarch64: bl)
  jump,            // jmp / jcc to an immediate target, tail calls (aarch64: b, b.cond, cbz, tbz)
  call_via_slot,   // call through a memory word: `call *slot(%rip)` (-fno-plt style; aarch64:
                   // `adrp; ldr xN, [.., #slot]; blr xN`)
  jump_via_slot,   // jump through a memory word: `jmp *slot(%rip)` (PLT stubs, -fno-plt tail calls)
  address,         // any other PC-relative operand: lea, mov loads/stores (address or data use;
                   // aarch64: adr, adrp+add, adrp+ldr/str, ldr literal)
};

struct CodeRef {
  std::uint64_t site = 0;    // address of the instruction
  std::uint64_t target = 0;  // branch target, or the memory word / address the operand names
  RefKind kind = RefKind::call;
};

// Receives the references of a code range in address order.
class RefSink {
 public:
  virtual ~RefSink() = default;
  virtual void on_ref(const CodeRef& ref) = 0;
};

// How the dynamic linker treats a relocation type, as far as interposition goes.
enum class RelocClass : std::uint8_t {
  jump_slot,  // PLT slot against a symbol: preemptible
  glob_dat,   // GOT slot against a symbol: preemptible
  absolute,   // word-sized absolute reference to a symbol: preemptible
  relative,   // base + addend: bound to the library itself
  irelative,  // ifunc resolver's result, resolved inside the library: bound
  other,      // TLS, copy, PC-relative, ... : not a reference this scanner counts
};

class Architecture {
 public:
  virtual ~Architecture() = default;
  // Decodes `code` (placed at `address`) and reports every reference with a known target.
  // Undecodable bytes are skipped one at a time (as objdump's "(bad)"); never reads outside code.
  void find_references(std::span<const std::uint8_t> code, std::uint64_t address, RefSink& sink) {
    sweep(code, address, 0, code.size(), sink);
  }
  // The same linear sweep over part of `code`: from offset `begin`, the instructions that start
  // before offset `stop` (one may end after it, up to the end of `code`). Returns the offset where
  // the next instruction starts (>= stop, <= code.size()). A sweep from offset 0 that stops at s
  // and a sweep from s together report exactly what one sweep over `code` reports (sweep.hpp
  // splits a section across threads on that).
  virtual std::size_t sweep(std::span<const std::uint8_t> code, std::uint64_t address,
                            std::size_t begin, std::size_t stop, RefSink& sink) = 0;
  // In a PLT section, the entry address of each stub that jumps through a GOT slot: calls target
  // the entry, which is not always the jump itself (IBT stubs start with endbr64).
  virtual void find_plt_stubs(std::span<const std::uint8_t> code, std::uint64_t address,
                              void (*on_stub)(void* ctx, std::uint64_t entry, std::uint64_t slot),
                              void* ctx) = 0;
  virtual RelocClass classify_reloc(std::uint32_t type) const = 0;
};

// Which of a backend's two decoders an Architecture uses: its default (`standard`: Zydis for
// x86-64, the built-in A64 decoder for aarch64; Machine::standard_decoder names it) or capstone,
// the cross-check every backend has.
enum class Decoder : std::uint8_t { standard, capstone };

}  // namespace interprobe::scan
