/* site_layout.h — where the trampoline's fast path (trampoline_x86_64.S) finds the thread's call
 * sites in its count table: the byte offset of SparseCounts::Table::sites (sparse_counts.hpp
 * checks it with a static_assert). The sites themselves are probe::CountSites
 * (../runtime/count_site.h).
 */
#ifndef INTERPROBE_SHIM_SITE_LAYOUT_H_
#define INTERPROBE_SHIM_SITE_LAYOUT_H_

#include "../runtime/count_site.h"

#define SHIM_TABLE_SITES 64 /* offsetof(Table, sites) */

#endif /* INTERPROBE_SHIM_SITE_LAYOUT_H_ */
