// symbol_lookup.hpp — the definition of a name that the dynamic loader would bind a call to,
// found by reading the loaded objects' own symbol tables, without calling any function.
//
// A generated shim resolves each trampoline's real definition lazily. It used dlsym(RTLD_NEXT),
// but in a shim of libc dlsym itself calls functions the shim trampolines (_dlerror_run ->
// _dl_catch_error -> the trampoline's slow path -> dlsym -> ...: every program crashed, issue 11
// item 5). This lookup reads what the loader has already mapped: the list of loaded objects
// (`_r_debug.r_map`, exported by ld.so, load order), each object's dynamic section, its GNU (or
// SysV) hash table, symbol and string tables and version table. The rules follow glibc's
// do_lookup_x/check_match for an unversioned lookup (what dlsym does): a defined GLOBAL, WEAK or
// UNIQUE symbol of a code or data type; an unversioned definition wins at once, else the one
// default version (not hidden); the first object in order that has one. An STT_GNU_IFUNC
// symbol's resolver is called, as dlsym calls it. Nothing else is called: the code is compiled
// without builtins, and tests/shim/libc_shim_test.cpp checks the object's undefined symbols.
//
// Order: the objects after `self` in load order, then those before it (the main program, a
// preload listed earlier), never `self` and never the vDSO (ld.so keeps it out of every scope).
// For objects loaded at start-up and RTLD_GLOBAL ones, load order is the global scope's order,
// so this is what dlsym(RTLD_NEXT) returns — the unit test holds it to dlsym for every exported
// function of libc, libz and libpython. Unlike dlsym, an RTLD_LOCAL object is seen where it
// stands in load order (dlsym never sees one: the shim's old fallback then searched every
// object, as this does). The list cannot change under the lookup in the cases it is for: at
// start-up no other thread exists, and a nested resolution runs inside the outer call's loader
// activity; otherwise a dlclose racing with the lookup is the caller's race, as with any address
// dlsym returned.
#pragma once

#include <link.h>

#include <cstdint>

namespace probe {

// The address `name` would be bound to, skipping the object whose dynamic section is
// `self_dynamic` (the caller's _DYNAMIC) and the vDSO mapped at `vdso_base` (AT_SYSINFO_EHDR, 0
// if none); nullptr if no other object defines it.
void* find_definition(const char* name, const ElfW(Dyn) * self_dynamic, std::uintptr_t vdso_base);

// The same over the list starting at `head` (the unit test passes its own process's).
void* find_definition_in(const link_map* head, const char* name, const ElfW(Dyn) * self_dynamic,
                         std::uintptr_t vdso_base);

}  // namespace probe
