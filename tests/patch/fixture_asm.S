/* fixture_asm.S — hand-written prologues for the patcher's refusals and relocations
 * (tests/patch/patch_test.cpp says what each must give). */
        .text
#define FUNC(name) .globl name; .type name, @function; .p2align 4; name:
#define END(name) .size name, .-name

/* A loop back into the first bytes: the jnz is stolen too and lands inside them. */
FUNC(patch_loop_in_stolen)
        endbr64
        movl    %edi, %eax
1:      decl    %eax
        jnz     1b
        ret
END(patch_loop_in_stolen)

/* A branch from later in the function into the middle of the stolen bytes. */
FUNC(patch_into_stolen)
        endbr64
        movl    %edi, %eax          /* 2 bytes: the jump's first two */
1:      addl    $1, %eax            /* 3 bytes: stolen, and a branch target */
        cmpl    $10, %eax
        jl      1b
        ret
END(patch_into_stolen)

/* Shorter than the jump. */
FUNC(patch_too_short)
        xorl    %eax, %eax
        ret
END(patch_too_short)

/* A call among the first instructions. */
FUNC(patch_call_first)
        pushq   %rbx
        call    patch_helper
        popq    %rbx
        ret
END(patch_call_first)
FUNC(patch_helper)
        movl    $7, %eax
        ret
END(patch_helper)

/* One instruction, a tail call: moved as it is, no jump back needed. */
FUNC(patch_one_insn)
        jmp     patch_sum6
END(patch_one_insn)

/* A conditional short jump in the stolen bytes: relocated as jcc rel32. */
FUNC(patch_jcc_first)
        endbr64
        testl   %edi, %edi
        je      1f
        movl    $1, %eax
        ret
1:      movl    $2, %eax
        ret
END(patch_jcc_first)

/* A RIP-relative lea first. */
FUNC(patch_lea_first)
        leaq    patch_table(%rip), %rax
        movq    (%rax,%rdi,8), %rax
        ret
END(patch_lea_first)

/* The flags at its entry: pushfq is stolen and runs after the counting entry restored them.
 * Returns CF PF ZF SF OF (the arithmetic flags that lahf/seto keep: x86_64/entry.S). */
FUNC(patch_flags_at_entry)
.Lflags_entry:                      /* called directly: a PLT call's lazy binding would clobber the flags */
        pushfq
        popq    %rax
        andq    $0x8c5, %rax        /* OF SF ZF PF CF */
        ret
END(patch_flags_at_entry)

/* Calls patch_flags_at_entry directly with OF SF CF set (edi != 0: 0x7f + 1 in 8 bits, then
 * stc) or ZF PF set (0 ^ 0, then clc). */
FUNC(patch_flags_test)
        endbr64
        subq    $8, %rsp
        testl   %edi, %edi
        jz      1f
        movb    $0x7f, %al
        addb    $1, %al
        stc
        call    .Lflags_entry
        addq    $8, %rsp
        ret
1:      xorl    %eax, %eax
        clc
        call    .Lflags_entry
        addq    $8, %rsp
        ret
END(patch_flags_test)

/* What GCC's -fipa-ra makes of a direct call inside a -fno-semantic-interposition library: the
 * caller knows its callee clobbers no r11 and keeps a value there across the call (gcc -O2 -fPIC
 * -fno-semantic-interposition on a caller under register pressure: `mov %ebx,%r11d; call f; mov
 * %r11d,%r9d`). The callee's first instructions read r11 too: both must see the caller's value. */
FUNC(patch_r11_at_entry)
.Lr11_entry:
        movq    %r11, %rax          /* 3 bytes: stolen, with the next */
        addq    %rdi, %rax          /* 3 bytes */
        ret
END(patch_r11_at_entry)

/* r11 = 1000 + edi, called directly; returns what the callee returned plus r11 after it. */
FUNC(patch_r11_test)
        endbr64
        subq    $8, %rsp
        leal    1000(%rdi), %r11d
        xorl    %edi, %edi
        call    .Lr11_entry
        addq    %r11, %rax
        addq    $8, %rsp
        ret
END(patch_r11_test)

        .section .rodata
        .p2align 3
patch_table:
        .quad   100, 200, 300, 400

        .section .note.GNU-stack,"",@progbits
