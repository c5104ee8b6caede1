/* entry_layout.h — where the bypass counter's entry (preload/patch/x86_64/entry.S) finds the
 * token of a marked call: the byte offsets of probe::EntryToken's fields (entry_counter.hpp, which
 * checks each one with a static_assert), for the assembler. Its sites are probe::CountSites
 * (count_site.h).
 */
#include "count_site.h"

#ifndef INTERPROBE_RUNTIME_ENTRY_LAYOUT_H_
#define INTERPROBE_RUNTIME_ENTRY_LAYOUT_H_

#define ENTRY_TOKEN_ID 0     /* uint32: the id of the definition the marked call goes to, + 1 */
#define ENTRY_TOKEN_RET 8    /* the marked call's return address */
#define ENTRY_TOKEN_CELL 16  /* its "through" count, or 0: the C half decides */

#endif /* INTERPROBE_RUNTIME_ENTRY_LAYOUT_H_ */
