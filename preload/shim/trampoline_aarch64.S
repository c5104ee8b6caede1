/* trampoline_aarch64.S — the common body of every generated aarch64 trampoline.
 *
 * A generated trampoline is `bti c; mov w17, #INDEX; b interprobe_shim_entry` (movz/movk for an
 * index of 65536 or more; tools/shim/aarch64/template.cpp). The index is in x17 (IP1): AAPCS64
 * (6.1.1) passes arguments in x0-x7, the indirect result address in x8 and float/vector
 * arguments in v0-v7; x16 and x17 are the intra-procedure-call scratch registers, which the PLT
 * stub that led here (`adrp x16; ldr x17; add x16; br x17`) has already clobbered, so the caller
 * can hold nothing in them. A linker's long-branch veneer would clobber x16 only (GNU ld's
 * `adrp x16; add x16; br x16`), never the index in x17.
 *
 * This entry counts the call and tail-branches to the real definition with the caller's frame
 * untouched: the stack pointer, x29 and x30 (the return address into the caller) are restored
 * exactly, x0-x8 are given back as they came, and the branch (`br`, not `blr`) lets the real
 * function return straight to the original caller, with its stack arguments where it expects
 * them.
 *
 * BTI: the trampolines land on `bti c` (callers reach them through the PLT's `br x17` or a
 * function pointer's `blr`). This entry is reached by a direct `b`, which BTI does not check; its
 * `bti c` is there for a veneer's `br x16`, which the linker would insert only beyond the ±128 MiB
 * reach of `b`. The final branch goes through x16: a `br x16`/`br x17` may land on `bti c`, which
 * every function compiled with -mbranch-protection=standard (or bti) starts with (`paciasp` is
 * such a landing pad too); through another register it would need `bti j` and would trap.
 *
 * PAC: the entry does not sign x30 and needs not. It never returns (`ret`): it only spills the
 * caller's x30 around the call of the counting path and restores it, and x30 at this point is the
 * plain address the caller's `bl` wrote (a caller signs its own saved x30, never the one it passes
 * on). The real definition signs and authenticates it itself (`paciasp` … `autiasp; ret`) as it
 * would without the shim, with the same stack pointer as the modifier, since sp is restored.
 *
 * Counting path: x0-x8, the index and x29/x30 are saved and interprobe_shim_hit is called. Vector
 * registers are not saved for it: interprobe_shim_hit is compiled with -mgeneral-regs-only and
 * calls nothing but the object-map lookup (compiled the same way), so it cannot touch them
 * (tests/shim/shim_aarch64_test.cpp disassembles the compiled path to hold this). When it returns
 * 0 (first call of a symbol, first call of a thread, an address in no known object), the slow path
 * also saves q0-q7 and the FPSR — what glibc's lazy-binding trampoline _dl_runtime_resolve saves
 * (sysdeps/aarch64/dl-trampoline.S), plus the cumulative FP exception flags that libc's own
 * floating-point code may raise — because the runtime then calls into libc. v8-v15's low halves
 * are callee-saved by every C function it calls; their upper halves, v16-v31, SVE's z and p
 * registers are no argument of the base calling convention. (A function of a variant PCS,
 * STO_AARCH64_VARIANT_PCS — SVE arguments in z/p registers, or the vector PCS's callee-saved
 * v8-v23 — needs more than this entry keeps on its slow path; see tools/shim/aarch64/template.cpp.)
 *
 * No fast path in assembler yet (the x86-64 entry's count_site.inc): every call goes through the
 * C counting path, which is exact; only the cost per call differs.
 */
#include "shim_abi.h"

        .text
        .globl  interprobe_shim_entry
        .hidden interprobe_shim_entry
        .type   interprobe_shim_entry, %function
        .p2align 4
interprobe_shim_entry:
        .cfi_startproc
        bti     c
        /* sp is 16-aligned at every call (AAPCS64 6.2.2): 96 bytes keep it so. */
        stp     x29, x30, [sp, #-96]!
        .cfi_def_cfa_offset 96
        .cfi_offset x29, -96
        .cfi_offset x30, -88
        mov     x29, sp
        .cfi_def_cfa x29, 96
        stp     x0, x1, [sp, #16]
        stp     x2, x3, [sp, #32]
        stp     x4, x5, [sp, #48]
        stp     x6, x7, [sp, #64]
        stp     x8, x17, [sp, #80]  /* x17: the index, read again by the slow path */
        mov     w0, w17
        mov     x1, x30             /* the caller's return address */
        bl      interprobe_shim_hit
        cbz     x0, .Lslow
.Lgo:
        mov     x16, x0             /* x16: a `br x16` may land on the definition's `bti c` */
        ldp     x0, x1, [sp, #16]
        ldp     x2, x3, [sp, #32]
        ldp     x4, x5, [sp, #48]
        ldp     x6, x7, [sp, #64]
        ldr     x8, [sp, #80]
        .cfi_remember_state
        ldp     x29, x30, [sp], #96
        .cfi_def_cfa sp, 0
        .cfi_restore x29
        .cfi_restore x30
        br      x16

.Lslow:
        .cfi_restore_state
        sub     sp, sp, #144
        stp     q0, q1, [sp]
        stp     q2, q3, [sp, #32]
        stp     q4, q5, [sp, #64]
        stp     q6, q7, [sp, #96]
        mrs     x9, fpsr
        str     x9, [sp, #128]
        ldr     w0, [x29, #88]      /* the index */
        ldr     x1, [x29, #8]       /* the caller's return address */
        bl      interprobe_shim_slow
        ldr     x9, [sp, #128]
        msr     fpsr, x9
        ldp     q0, q1, [sp]
        ldp     q2, q3, [sp, #32]
        ldp     q4, q5, [sp, #64]
        ldp     q6, q7, [sp, #96]
        add     sp, sp, #144
        b       .Lgo
        .cfi_endproc
        .size   interprobe_shim_entry, .-interprobe_shim_entry

        .section .note.GNU-stack,"",%progbits
        /* Compatible with BTI and PAC (above): GNU_PROPERTY_AARCH64_FEATURE_1_AND (0xc0000000),
         * BTI | PAC (3). A C file compiled with -mbranch-protection=standard gets this note from
         * the compiler; an assembler file must write it, or the linker drops the property from the
         * whole shim. */
        .section .note.gnu.property,"a"
        .p2align 3
        .long   4, 16, 5
        .asciz  "GNU"
        .long   0xc0000000, 4, 3, 0
