/* entry.S — the counting entry every x86-64 patch stub calls (backend.cpp writes the stubs).
 *
 * A stub is `movl $ID, %r11d; call *slot(%rip); <relocated first instructions>; jmp back`. Here,
 * [rsp] is the return into the stub and [rsp+8] the return address of the patched function's
 * caller. Everything the function may read at its entry is kept: the argument registers (rdi rsi
 * rdx rcx r8 r9, rax = vector registers used by a varargs call, r10 = static chain), the flags, and
 * the stack, to the byte; r11 is the only register changed (scratch at any entry, SysV psABI
 * 3.2.1). interprobe_bypass_hit is compiled -mgeneral-regs-only and calls nothing, so the vector
 * registers need no saving on that path; when it returns 0 (something needs libc), the slow path
 * saves the whole extended state with xsave, as the shim's trampoline does, and calls
 * interprobe_bypass_slow. Both take (id, caller's return address).
 */
#define STATE_MASK 0xee /* x87, SSE, AVX, MPX, AVX-512: glibc's STATE_SAVE_MASK */

        .text
        .globl  interprobe_bypass_entry
        .hidden interprobe_bypass_entry
        .type   interprobe_bypass_entry, @function
        .p2align 4
interprobe_bypass_entry:
        .cfi_startproc
        endbr64                     /* reached by an indirect call */
        pushfq
        pushq   %rdi
        pushq   %rsi
        pushq   %rdx
        pushq   %rcx
        pushq   %r8
        pushq   %r9
        pushq   %rax
        pushq   %r10
        pushq   %r11
        .cfi_adjust_cfa_offset 80
        movl    %r11d, %edi
        movq    88(%rsp), %rsi      /* the caller's return address, above the stub's */
        call    interprobe_bypass_hit
        testl   %eax, %eax
        jz      .Lslow
.Lback:
        popq    %r11
        popq    %r10
        popq    %rax
        popq    %r9
        popq    %r8
        popq    %rcx
        popq    %rdx
        popq    %rsi
        popq    %rdi
        popfq
        .cfi_adjust_cfa_offset -80
        ret

.Lslow:
        .cfi_adjust_cfa_offset 80
        pushq   %rbp
        .cfi_adjust_cfa_offset 8
        movq    %rsp, %rbp
        .cfi_def_cfa_register %rbp
        pushq   %rbx
        movl    interprobe_bypass_save_size(%rip), %eax
        testl   %eax, %eax
        jnz     1f
        movl    $1, %eax
        cpuid
        movl    $513, %eax          /* 512 | 1: no OSXSAVE, use fxsave */
        btl     $27, %ecx
        jnc     2f
        movl    $0xd, %eax
        xorl    %ecx, %ecx
        cpuid
        movl    %ebx, %eax
2:      movl    %eax, interprobe_bypass_save_size(%rip)
1:      movl    %eax, %ebx
        andl    $-2, %eax
        subq    %rax, %rsp
        andq    $-64, %rsp
        testl   $1, %ebx
        jnz     3f
        xorl    %eax, %eax          /* xrstor needs the header's reserved bytes zero */
        movq    %rax, 512(%rsp)
        movq    %rax, 520(%rsp)
        movq    %rax, 528(%rsp)
        movq    %rax, 536(%rsp)
        movq    %rax, 544(%rsp)
        movq    %rax, 552(%rsp)
        movq    %rax, 560(%rsp)
        movq    %rax, 568(%rsp)
        movl    $STATE_MASK, %eax
        xorl    %edx, %edx
        xsave   (%rsp)
        jmp     4f
3:      fxsave  (%rsp)
4:      movl    8(%rbp), %edi       /* the id (r11), pushed last */
        movq    96(%rbp), %rsi      /* above rbp: 80 bytes of saves, the stub's return, then it */
        call    interprobe_bypass_slow
        testl   $1, interprobe_bypass_save_size(%rip)
        jnz     5f
        movl    $STATE_MASK, %eax
        xorl    %edx, %edx
        xrstor  (%rsp)
        jmp     6f
5:      fxrstor (%rsp)
6:      leaq    -8(%rbp), %rsp
        popq    %rbx
        popq    %rbp
        .cfi_def_cfa %rsp, 88
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
