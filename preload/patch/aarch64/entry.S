// entry.S — the counting entry's symbol on aarch64. No stub ever jumps here (host_backend()
// refuses every function, backend.cpp); the symbol exists so that the runtime links the same on
// every architecture. A jump here would be a bug: it traps.
  .text
  .globl interprobe_bypass_entry
  .hidden interprobe_bypass_entry
  .type interprobe_bypass_entry, %function
interprobe_bypass_entry:
  brk #0x1
  .size interprobe_bypass_entry, . - interprobe_bypass_entry
  .section .note.GNU-stack, "", %progbits
