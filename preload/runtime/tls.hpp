// tls.hpp — how the in-process runtime declares its per-thread state.
//
// __thread, not thread_local: a C++ thread_local declared extern is reached through a TLS
// wrapper call (_ZTH...: it might need dynamic initialisation) in every other file; the
// runtime's are all constant-initialised, and the hot paths read them (objdump -d
// interprobe_bypass_hit). Initial-exec: general-dynamic TLS may allocate on first access and
// costs a call per access (DOMAIN.md); a preloaded module is loaded at start-up, where the
// static TLS block has room for it.
#pragma once

#define PROBE_TLS __attribute__((tls_model("initial-exec"))) __thread
