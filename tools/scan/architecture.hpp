// architecture.hpp — what the scanner needs to know about one instruction set: how to find the
// code's references (branch targets, PC-relative operands) and what its relocation types mean.
//
// x86-64 is the one instruction set, with two decoders that must agree (x86_64_zydis.cpp, the
// default, and x86_64_capstone.cpp; tests/scan/scan_decoder_test.cpp checks that they do, and
// docs/PERFORMANCE-scan.md says why Zydis is the default). An aarch64 one would
// decode `bl`/`b` (imm26), `adrp`+`add`/`ldr` pairs (a GOT load is `adrp x16, slot; ldr x17,
// [x16, #lo12]`; a PLT stub is `adrp x16; ldr x17, [x16, #off]; add x16, x16, #off; br x17`)
// and classify R_AARCH64_JUMP_SLOT / GLOB_DAT / ABS64 / RELATIVE / IRELATIVE: see docs/SCAN.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace interprobe::scan {

enum class RefKind : std::uint8_t {
  call,            // call to an immediate target
  jump,            // jmp / jcc to an immediate target (tail calls)
  call_via_slot,   // call through a memory word: `call *slot(%rip)` (-fno-plt style)
  jump_via_slot,   // jump through a memory word: `jmp *slot(%rip)` (PLT stubs, -fno-plt tail calls)
  address,         // any other PC-relative operand: lea, mov loads/stores (address or data use)
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
  virtual const char* name() const = 0;
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

// Which instruction decoder an Architecture uses where there is a choice (x86-64).
enum class Decoder : std::uint8_t { zydis, capstone };
const char* to_string(Decoder d);  // "zydis", "capstone"

// The implementation for ELF e_machine, or nullptr if the scanner does not support it.
std::unique_ptr<Architecture> make_architecture(std::uint16_t e_machine,
                                                Decoder decoder = Decoder::zydis);

}  // namespace interprobe::scan
