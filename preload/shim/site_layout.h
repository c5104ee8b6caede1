/* site_layout.h — where the trampoline's fast path (trampoline_x86_64.S) finds a call site in the
 * thread's count table: the byte offsets of SparseCounts::Table::sites and of a Site's fields
 * (sparse_counts.hpp, which checks each one with a static_assert), for the assembler.
 *
 * A site is found by its return address as libprobe's are (core/counters.hpp): sites[(ret >> 2)
 * % 64], 32 bytes each, so its offset in the array is (ret & 0xfc) << 3.
 */
#ifndef INTERPROBE_SHIM_SITE_LAYOUT_H_
#define INTERPROBE_SHIM_SITE_LAYOUT_H_

#define SHIM_TABLE_SITES 64  /* offsetof(Table, sites) */
#define SHIM_SITE_COUNT_LOG2 6
#define SHIM_SITE_SIZE_LOG2 5
#define SHIM_SITE_RET 0      /* the caller's return address */
#define SHIM_SITE_INDEX 8    /* the trampoline's index */
#define SHIM_SITE_EPOCH 12   /* probe::g_epoch when the site was filled */
#define SHIM_SITE_CELL 16    /* the count to increment: a slot's count in the same table */

#endif /* INTERPROBE_SHIM_SITE_LAYOUT_H_ */
