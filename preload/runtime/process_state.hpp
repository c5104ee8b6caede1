// process_state.hpp — what each in-process front-end (libprobe.so, a generated shim) knows about
// its process from start-up on: the PROBE_* settings, its notices, which file stderr was, its own
// file name (%m) and the executable's path.
//
// Part of the one runtime both front-ends link (preload/README.md): each module has its own copy
// (hidden in libprobe.so, made local in the shim runtime's pre-linked object), so libprobe.so and
// a shim loaded into one process keep apart — two settings, two reports.
#pragma once

#include "../core/notices.hpp"
#include "../core/settings.hpp"
#include "../core/stderr_file.hpp"

#pragma GCC visibility push(hidden)  // as start.hpp says

namespace probe {

struct ProcessState {
  Settings settings;
  Notices notices;                  // for the report, never for the host's stderr
  OriginalStderr original_stderr;   // which file fd 2 was; no descriptor is kept (stderr_file.hpp)
  char module_name[256] = {};       // %m: this module's file name
  char main_path[4096] = "[main]";  // /proc/self/exe at start-up
};

extern ProcessState g_process;

// At start-up, no heap: parses the settings through `getenv_fn`, reads /proc/self/exe,
// remembers the file name of the module holding `inside` (else `module_default`) and which file
// stderr is. errno is kept.
void start_process_state(GetEnv getenv_fn, const void* inside, const char* module_default);

}  // namespace probe

#pragma GCC visibility pop
