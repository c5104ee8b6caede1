/* entry.S — the counting entry every x86-64 patch stub calls (backend.cpp writes the stubs).
 *
 * A stub is `pushq $ID; call *slot(%rip); <relocated first instructions>; jmp back`. Here, [rsp]
 * is the return into the stub, [rsp+8] the id and [rsp+16] the return address of the patched
 * function's caller; `ret $8` goes back into the stub with the id gone, so that the stack is the
 * function's entry stack to the byte. Every register is kept, and the arithmetic flags: the argument
 * registers (rdi rsi rdx rcx r8 r9, rax = vector registers used by a varargs call, r10 = static
 * chain) and r11 too, although the psABI (3.2.1) makes it scratch at an entry. A caller in the
 * same object may know better than the ABI: GCC's -fipa-ra (on at -O2) lets a caller keep values
 * in caller-saved registers across a direct call to a function it knows does not clobber them,
 * and -fno-semantic-interposition makes exported functions such callees — the very calls this
 * counter exists for (tests/patch: patch_r11_test keeps r11 live across a direct call).
 * interprobe_bypass_hit is compiled -mgeneral-regs-only and calls nothing, so the vector
 * registers need no saving on that path; when it returns 0 (something needs libc), the slow path
 * saves the whole extended state with xsave, as the shim's trampoline does, and calls
 * interprobe_bypass_slow. Both take (id, caller's return address).
 *
 * Fast path (issue 14's speed target): before any of that, the two common arrivals are counted
 * here (preload/runtime/entry_counter.hpp says what the front-ends put where): a marked call —
 * the thread's token holds this id + 1 and the caller's return address, or the return address is
 * in the front-end's own code (a hook that called the definition) — adds one to the token's
 * count and consumes it; an arrival from a call site the thread has seen adds one to its site's
 * count (site found by the return address; the id and the epoch must match). The flags go
 * through lahf/seto as below; rax (the flags word), rcx and rdx are kept in the red zone (the
 * entry is a leaf until it calls: the bytes below the stack pointer are its own), so the frame
 * and the CFI do not change. Only for a thread whose state word (runtime/guard.hpp) has neither
 * the guard bit nor kOffFastPath: it owns its counts and is not inside the runtime.
 */
#include "../../runtime/entry_layout.h"
#include "../../runtime/x86_64/count_site.inc"  /* the site's test and add */
#include "../../runtime/x86_64/vector_state.inc"
#include "../../runtime/x86_64/call_registers.inc"

        .text
        .globl  interprobe_bypass_entry
        .hidden interprobe_bypass_entry
        .type   interprobe_bypass_entry, @function
        .p2align 4
interprobe_bypass_entry:
        .cfi_startproc
        endbr64                     /* reached by an indirect call */
        movq    %rax, -8(%rsp)
        lahf
        seto    %al
        movq    %rax, -16(%rsp)     /* the flags word: ah and al */
        movq    %rcx, -24(%rsp)
        movq    %rdx, -32(%rsp)
        movq    _ZN5probe13t_thread_wordE@gottpoff(%rip), %rax
        testb   $3, %fs:(%rax)      /* probe::kInRuntime | probe::kOffFastPath */
        jnz     .Lfull
        movl    8(%rsp), %ecx       /* the id, above the return into the stub */
        movq    16(%rsp), %rdx      /* the caller's return address, above the id */
        movq    _ZN5probe13t_entry_tokenE@gottpoff(%rip), %rax
        incl    %ecx
        cmpl    %ecx, %fs:ENTRY_TOKEN_ID(%rax)
        jne     .Lsite
        cmpq    %rdx, %fs:ENTRY_TOKEN_RET(%rax)
        jne     .Lown
.Lmarked:
        movq    %fs:ENTRY_TOKEN_CELL(%rax), %rdx
        testq   %rdx, %rdx
        jz      .Lfull              /* marked before the thread had counts: the C half */
        movl    $0, %fs:ENTRY_TOKEN_ID(%rax)  /* consumed */
        addq    $1, (%rdx)
        jmp     .Lfast_out
.Lown:                              /* marked, from the front-end's own code: a hook that called */
        cmpq    _ZN5probe13g_own_code_loE(%rip), %rdx
        jb      .Lsite
        cmpq    _ZN5probe13g_own_code_hiE(%rip), %rdx
        jb      .Lmarked
.Lsite:
        decl    %ecx
        movq    %fs:0, %rax         /* the thread pointer: TLS addresses are relative to it */
        addq    _ZN5probe13t_entry_sitesE@gottpoff(%rip), %rax
        COUNT_AT_SITE %rax, 0, %rdx, %edx, 16(%rsp), %ecx, .Lfull
.Lfast_out:
        movq    -32(%rsp), %rdx
        movq    -24(%rsp), %rcx
        movq    -16(%rsp), %rax
        addb    $0x7f, %al          /* OF = (al == 1) */
        sahf                        /* SF ZF AF PF CF from ah */
        movq    -8(%rsp), %rax
        ret     $8                  /* into the stub, the id popped */

.Lfull:
        movq    -32(%rsp), %rdx
        movq    -24(%rsp), %rcx
        movq    -16(%rsp), %rax
        addb    $0x7f, %al
        sahf                        /* the flags as they came */
        movq    -8(%rsp), %rax
        /* rsp = 8 mod 16 here (the function's entry, the stub's push, its call): 10 pushes and
         * 8 bytes of padding make it 16-aligned for the call. None of the pushes writes the
         * flags. The arithmetic flags are saved as DynamoRIO saves them, with lahf (SF ZF AF PF
         * CF into ah) and seto (OF into al), restored with `add $0x7f, %al` (OF again) and sahf:
         * a few cycles, where popfq is microcoded and costs more than the rest of this entry
         * (an A/B of the two builds by hand on this machine: the closing note of stop 21). DF is clear at any entry (psABI) and nothing here sets it;
         * the system flags are never written. */
        SAVE_CALL_REGISTERS
        lahf
        seto    %al
        pushq   %rax                /* the flags word: ah and al */
        leaq    -8(%rsp), %rsp
        .cfi_adjust_cfa_offset 88
        movl    96(%rsp), %edi      /* the id, above the return into the stub */
        movq    104(%rsp), %rsi     /* the caller's return address, above the id */
        call    interprobe_bypass_hit
        testl   %eax, %eax
        jz      .Lslow
.Lback:
        leaq    8(%rsp), %rsp
        popq    %rax                /* the flags word */
        addb    $0x7f, %al          /* OF = (al == 1) */
        sahf                        /* SF ZF AF PF CF from ah */
        popq    %r11
        RESTORE_CALL_REGISTERS_BELOW_R11
        .cfi_adjust_cfa_offset -88
        ret     $8                  /* into the stub, the id popped */

.Lslow:
        .cfi_adjust_cfa_offset 88
        pushq   %rbp
        .cfi_adjust_cfa_offset 8
        movq    %rsp, %rbp
        .cfi_def_cfa_register %rbp
        pushq   %rbx
        VECTOR_STATE_SAVE interprobe_bypass_save_size
        movl    104(%rbp), %edi     /* above rbp: 88 bytes of saves, the stub's return, the id */
        movq    112(%rbp), %rsi     /* then the caller's return address */
        call    interprobe_bypass_slow
        VECTOR_STATE_RESTORE interprobe_bypass_save_size
        leaq    -8(%rbp), %rsp
        popq    %rbx
        popq    %rbp
        .cfi_def_cfa %rsp, 96
        jmp     .Lback
        .cfi_endproc
        .size   interprobe_bypass_entry, .-interprobe_bypass_entry

        .bss
        .p2align 2
        .hidden interprobe_bypass_save_size
        .globl  interprobe_bypass_save_size
interprobe_bypass_save_size:
        .zero   4

        .section .note.GNU-stack,"",@progbits
