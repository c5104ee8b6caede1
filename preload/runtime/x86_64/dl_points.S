/* dl_points.S — libprobe's dlopen and dlsym: a safe point for the runtime, then a jump (not a
 * call) to the real function, so that glibc sees the host's caller, not libprobe.
 *
 * glibc's dlopen and dlsym read their caller from their own return address (RETURN_ADDRESS (0)
 * in dlfcn/dlopen.c and dlsym.c): dlopen searches the calling object's DT_RUNPATH, expands its
 * $ORIGIN and loads into its namespace; dlsym(RTLD_NEXT) starts after the calling object. Here
 * nothing is pushed on the stack by the time of the jump, so [rsp] is the host's return address as
 * it was at this entry; the arguments (rdi, rsi) are kept across the call of interprobe_dl_point,
 * which does the runtime's work (dl_points.hpp) and returns the real function's address in rax
 * (scratch at an entry of a function that is not variadic: psABI 3.2.3).
 * tests/bypass_test.cpp (Bypass.DlopenAndDlsymKeepTheCaller) loads a plugin found only through
 * the calling library's $ORIGIN DT_RUNPATH and asks dlsym(RTLD_NEXT) from that library.
 */
        .macro  DL_POINT name, which
        .text
        .globl  \name
        .type   \name, @function
        .p2align 4
\name:
        .cfi_startproc
        endbr64                     /* reached through the PLT, an indirect jump */
        pushq   %rdi
        .cfi_adjust_cfa_offset 8
        pushq   %rsi
        .cfi_adjust_cfa_offset 8
        subq    $8, %rsp            /* rsp = 8 mod 16 at the entry: 16-aligned for the call */
        .cfi_adjust_cfa_offset 8
        movl    $\which, %edi
        call    interprobe_dl_point
        addq    $8, %rsp
        .cfi_adjust_cfa_offset -8
        popq    %rsi
        .cfi_adjust_cfa_offset -8
        popq    %rdi
        .cfi_adjust_cfa_offset -8
        jmp     *%rax
        .cfi_endproc
        .size   \name, .-\name
        .endm

        DL_POINT dlopen, 0
        DL_POINT dlsym, 1

        .section .note.GNU-stack,"",@progbits
