/* jit_stub.h — machine code written at run time, as a JIT writes it: a stub that calls malloc(n)
 * from an address in no loaded object and without unwind information (depth_app, forkbusy_app).
 * x86-64: sub $8,%rsp; movabs $malloc,%rax; call *%rax; add $8,%rsp; ret. */
#ifndef INTERPROBE_TESTS_JIT_STUB_H_
#define INTERPROBE_TESTS_JIT_STUB_H_

#include <stdlib.h>
#include <string.h>

enum { kJitStubSize = 32 };

/* Writes the stub at `p` (writable, executable memory of kJitStubSize bytes) and returns it. */
static void* (*write_malloc_stub(unsigned char* p))(size_t) {
  void* target = (void*)&malloc;
  unsigned char code[] = {0x48, 0x83, 0xec, 0x08, 0x48, 0xb8, 0,    0,    0,    0,   0,
                          0,    0,    0,    0xff, 0xd0, 0x48, 0x83, 0xc4, 0x08, 0xc3};
  memcpy(code + 6, &target, sizeof target);
  memcpy(p, code, sizeof code);
  __builtin___clear_cache((char*)p, (char*)p + sizeof code);
  return (void* (*)(size_t))p;
}

#endif /* INTERPROBE_TESTS_JIT_STUB_H_ */
