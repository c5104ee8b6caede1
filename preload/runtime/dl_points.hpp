// dl_points.hpp — the points where a front-end learns that objects were loaded or unloaded:
// libprobe's dlopen and dlsym (x86_64/dl_points.S), which run dl_safe_point() and then jump to the
// real function with the host's return address untouched, so that glibc still sees the host's
// caller (its DT_RUNPATH, $ORIGIN and namespace for dlopen, the object RTLD_NEXT starts after for
// dlsym: preload/README.md, "Decisions worth knowing").
//
// Why these two: no callback tells an LD_PRELOAD library that the loader added or removed an
// object (la_activity is LD_AUDIT's, for audit modules named at start-up); a hook may run inside
// the loader with its locks held and the new object half made (ld.so allocates through the
// malloc hooks), and dlopen has no point after its return that keeps the caller's identity. A
// dlsym is where a host gets an address in an object it loaded; a dlopen starts a load whose
// constructors may call into objects loaded before. At both the host holds no loader lock of its
// own making (a constructor calling dlsym runs under dlopen's recursive lock, in the same thread).
#pragma once

#pragma GCC visibility push(hidden)

namespace probe {

// The front-end's work at a dlopen or dlsym entry (libprobe: PROBE_BYPASS's, hooks/bypass.cpp).
// Any thread, possibly inside the runtime's re-entry guard (its own dlsym): it must check.
void dl_safe_point();

}  // namespace probe

#pragma GCC visibility pop
