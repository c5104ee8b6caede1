/* entry_layout.h — where the bypass counter's entry (preload/patch/x86_64/entry.S) finds what it
 * counts an arrival with by itself: the byte offsets of probe::EntryToken's and probe::EntrySite's
 * fields (entry_counter.hpp, which checks each one with a static_assert), for the assembler.
 *
 * A site is found by its return address as the hooks' and the trampolines' are:
 * t_entry_sites[(ret >> 2) % 64], 32 bytes each, so its offset in the array is (ret & 0xfc) << 3.
 */
#ifndef INTERPROBE_RUNTIME_ENTRY_LAYOUT_H_
#define INTERPROBE_RUNTIME_ENTRY_LAYOUT_H_

#define ENTRY_TOKEN_ID 0     /* uint32: the id of the definition the marked call goes to, + 1 */
#define ENTRY_TOKEN_RET 8    /* the marked call's return address */
#define ENTRY_TOKEN_CELL 16  /* its "through" count, or 0: the C half decides */
#define ENTRY_SITE_COUNT_LOG2 6
#define ENTRY_SITE_SIZE_LOG2 5
#define ENTRY_SITE_RET 0     /* the arrival's return address */
#define ENTRY_SITE_ID 8      /* uint32: the definition's id */
#define ENTRY_SITE_EPOCH 12  /* uint32: probe::g_epoch when the site was filled */
#define ENTRY_SITE_CELL 16   /* the "bypassed" count of (id, the caller's object) */

#endif /* INTERPROBE_RUNTIME_ENTRY_LAYOUT_H_ */
