/* missing_real_app — a hook whose real function is missing, in a real process (preload/README.md,
 * "A missing real function"). Before libvictim.so.1 is loaded, the only victim_const_answer is the
 * test-only probe's hook, an optional symbol with no definition after it; after dlopen, the real
 * one (42) is there. Prints per step "STEP absent" (no such function: the control run before the
 * dlopen) or "STEP VALUE errno ENOSYS|0|other". */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

static void step(const char *when) {
  int (*f)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "victim_const_answer");
  if (f == NULL) {
    printf("%s absent\n", when);
    return;
  }
  errno = 0;
  int v = f();
  int e = errno;
  printf("%s %d errno %s\n", when, v, e == ENOSYS ? "ENOSYS" : e == 0 ? "0" : "other");
}

int main(void) {
  step("before");
  void *h = dlopen("libvictim.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (h == NULL) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 3;
  }
  step("after");
  return 0;
}
