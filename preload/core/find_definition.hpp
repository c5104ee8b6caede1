// find_definition.hpp — the definition of a symbol in any loaded object but one's own.
//
// Both runtimes (libprobe.so's hooks, a generated shim) first ask dlsym(RTLD_NEXT), which must be
// called from their own object (RTLD_NEXT is relative to the caller). A library opened with
// RTLD_LOCAL is not in the global scope RTLD_NEXT searches, though the runtime's override still
// catches its internal calls; this fallback asks each loaded object in turn.
#pragma once

namespace probe {

// The address of `name` in the first loaded object (load order) that defines it and does not
// contain `self` (an address inside the caller's own object); nullptr if there is none.
// Takes the loader's lock (dl_iterate_phdr, dlopen RTLD_NOLOAD): call it off the hot path.
void* find_definition_elsewhere(const char* name, const void* self);

}  // namespace probe
