/* trampoline_x86_64.S — the common body of every generated x86-64 trampoline.
 *
 * A generated trampoline is `endbr64; movl $INDEX, %r11d; jmp interprobe_shim_entry`. This entry
 * counts the call and tail-jumps to the real definition with the caller's frame untouched: the
 * stack pointer is restored exactly, every register a call may carry into its callee (rdi rsi
 * rdx rcx r8 r9, rax = number of vector registers for varargs, r10 = static chain) is given back
 * as it came, and the jump (not a call) lets the real function return straight to the original
 * caller with its stack arguments where it expects them.
 *
 * Fast path (issue 15: a call counted in 24 instructions after the trampoline's 3, no call):
 * the thread's state word (runtime/guard.hpp) holds its own count table when nothing stops the
 * fast path (initialised, not inside the runtime, no PROBE_BYPASS); the table's site for the
 * return address (site_layout.h) holds this trampoline's index and the current epoch
 * (runtime/attribution.hpp); then the site's count is incremented (the table's only writer: one
 * `addq`) and the entry jumps to the target. It uses rax and rcx, kept in the red zone (the entry
 * is a leaf there: the 128 bytes below the stack pointer are its own, and a signal frame is built
 * below them), so the frame, and with it the CFI, never changes. Anything else — a site not
 * filled, another epoch, a flag in the word — restores them and goes the counting path
 * (interprobe_shim_hit), which fills the site.
 *
 * Counting path: the nine call registers are pushed and interprobe_shim_hit is called. Vector
 * registers (xmm/ymm/zmm 0-7 carry float and vector arguments) are not saved for it:
 * interprobe_shim_hit is compiled with -mgeneral-regs-only and calls nothing, so it cannot touch
 * them. When it returns 0 (first call of a symbol, first call of a thread, an address in no known
 * object), the slow path saves the whole extended state with xsave — as glibc's lazy-binding
 * trampoline _dl_runtime_resolve_xsave does, with the same component mask — because the runtime
 * then calls into libc (dl_iterate_phdr, mmap, memcpy with AVX and vzeroupper).
 */
#include "shim_abi.h"
#include "site_layout.h"
#include "../runtime/x86_64/count_site.inc"  /* the site's test and add */

#include "../runtime/x86_64/vector_state.inc"  /* the slow path's xsave/xrstor, and STATE_MASK */
#include "../runtime/x86_64/call_registers.inc"  /* the nine pushes, index in r11 last */

        .text
        .globl  interprobe_shim_entry
        .hidden interprobe_shim_entry
        .type   interprobe_shim_entry, @function
        .p2align 4
interprobe_shim_entry:
        .cfi_startproc
        /* No endbr64: every trampoline reaches this by a direct jmp (IBT checks indirect ones). */
        movq    %rax, -8(%rsp)
        movq    %rcx, -16(%rsp)
        movq    _ZN5probe13t_thread_wordE@gottpoff(%rip), %rax
        movq    %fs:(%rax), %rax    /* the state word: this thread's table, or flags */
        testb   $7, %al             /* probe::kWordFlags */
        jnz     .Lcount
        movl    (%rsp), %ecx        /* the caller's return address: its low bits pick the site */
        COUNT_AT_SITE %rax, SHIM_TABLE_SITES, %rcx, %ecx, (%rsp), %r11d, .Lcount
        leaq    interprobe_shim_targets(%rip), %rax
        movq    (%rax,%r11,8), %r11  /* resolved: the site was filled after it */
        movq    -8(%rsp), %rax
        movq    -16(%rsp), %rcx
        jmp     *%r11

.Lcount:
        movq    -8(%rsp), %rax
        movq    -16(%rsp), %rcx
        /* rsp = 8 mod 16 here; 9 pushes make it 16-aligned for the call. */
        SAVE_CALL_REGISTERS         /* r11, the index, last: also read back by the slow path */
        .cfi_adjust_cfa_offset 72
        movl    %r11d, %edi
        movq    72(%rsp), %rsi      /* the caller's return address */
        call    interprobe_shim_hit
        testq   %rax, %rax
        jz      .Lslow
.Lgo:
        movq    %rax, %r11
        popq    %r10                /* discards the index */
        RESTORE_CALL_REGISTERS_BELOW_R11
        .cfi_adjust_cfa_offset -72
        jmp     *%r11

.Lslow:
        .cfi_adjust_cfa_offset 72
        pushq   %rbp
        .cfi_adjust_cfa_offset 8
        movq    %rsp, %rbp
        .cfi_def_cfa_register %rbp
        pushq   %rbx
        VECTOR_STATE_SAVE interprobe_shim_save_size
        movl    8(%rbp), %edi       /* the index pushed by the entry */
        movq    80(%rbp), %rsi      /* the caller's return address */
        call    interprobe_shim_slow
        movq    %rax, %rbx
        VECTOR_STATE_RESTORE interprobe_shim_save_size
        movq    %rbx, %rax
        leaq    -8(%rbp), %rsp
        popq    %rbx
        popq    %rbp
        .cfi_def_cfa %rsp, 80
        jmp     .Lgo
        .cfi_endproc
        .size   interprobe_shim_entry, .-interprobe_shim_entry

        .bss
        .p2align 2
        .hidden interprobe_shim_save_size
        .globl  interprobe_shim_save_size
interprobe_shim_save_size:
        .zero   4

        .section .note.GNU-stack,"",@progbits
