/* count_site.h — a call site that an assembler fast path counts by itself, for the shims'
 * trampolines (preload/shim/trampoline_x86_64.S: a table's sites) and the bypass counter's entry
 * (preload/patch/x86_64/entry.S: the thread's entry sites). The C++ side is probe::CountSite
 * (count_site.hpp, which checks every offset here with a static_assert).
 *
 * A site is found by the call's return address, as the hooks' are (core/counters.hpp): entry
 * (ret >> 2) % 64 of an array of 32-byte sites, so its offset in the array is (ret & 0xfc) << 3.
 */
#ifndef INTERPROBE_RUNTIME_COUNT_SITE_H_
#define INTERPROBE_RUNTIME_COUNT_SITE_H_

#define SITE_COUNT_LOG2 6
#define SITE_SIZE_LOG2 5
#define SITE_RET 0     /* the call's return address */
#define SITE_ID 8      /* uint32: what it calls (a trampoline's index, a definition's id) */
#define SITE_EPOCH 12  /* uint32: probe::g_epoch when the site was filled */
#define SITE_CELL 16   /* the count to add one to: one of the thread's own */

#endif /* INTERPROBE_RUNTIME_COUNT_SITE_H_ */
