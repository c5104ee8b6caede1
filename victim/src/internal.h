/* internal.h — what the library's own files share, including the glibc-style hidden aliases.
 *
 * With -DVICTIM_HIDDEN_ALIASES, internal callers are redirected to a hidden alias of each target
 * (glibc's libc_hidden_proto/libc_hidden_def, include/libc-symbols.h): the library's own calls then
 * never go through the PLT, whatever the compiler flags. Weak and ifunc targets get no alias,
 * as in glibc, where they need separate macros (hidden_weak, and ifuncs resolved internally).
 */
#ifndef VICTIM_INTERNAL_H_
#define VICTIM_INTERNAL_H_

#include "victim.h"

#ifdef VICTIM_PROTECTED
#define VICTIM_API __attribute__((visibility("protected")))
#else
#define VICTIM_API __attribute__((visibility("default")))
#endif

/* VICTIM_DEF marks the definition of an exported target. Under hidden aliases the definition is
 * the hidden __GI_ name (its visibility comes from hidden_proto) and the alias carries VICTIM_API. */
#ifdef VICTIM_HIDDEN_ALIASES
#define VICTIM_DEF
/* Every reference in library code goes to the hidden name __GI_<name>. */
#define hidden_proto(name) \
  extern __typeof(name) name __asm__("__GI_" #name) __attribute__((visibility("hidden")));
/* The definition is made under the hidden name; the public name becomes an alias of it. */
#define hidden_def(name) \
  extern __typeof(name) __EI_##name __asm__(#name); \
  extern __typeof(name) __EI_##name __attribute__((alias("__GI_" #name))) VICTIM_API;
#else
#define VICTIM_DEF VICTIM_API
#define hidden_proto(name)
#define hidden_def(name)
#endif

/* NOT_TAIL(call): keeps a call out of tail position. At -O2 `return f();` becomes `jmp f@plt`,
 * and the override then sees the *app's* return address: the probe attributes the call to the
 * caller's caller (docs/REPORT_FORMAT.md). The empty asm runs after the call, so the call
 * cannot be a jump; it clobbers memory only, so the value itself stays visible to the optimiser
 * (constant folding, which the const_result path shows, is not prevented). */
#define NOT_TAIL(call) ({ __typeof__(call) r_ = (call); __asm__ volatile("" ::: "memory"); r_; })

hidden_proto(victim_err_occurred)
hidden_proto(victim_noinline_touch)
hidden_proto(victim_const_answer)
hidden_proto(victim_fnptr_target)
hidden_proto(victim_exported_var)

#endif  /* VICTIM_INTERNAL_H_ */
