// loader_log.hpp — which files a run of a command loaded, from the dynamic loader's own log.
//
// glibc's documented debugging aid: LD_DEBUG=files makes ld.so log every object it maps and
// initialises, and LD_DEBUG_OUTPUT=PREFIX sends that log to PREFIX.<pid> (one file per process)
// instead of stderr, so the command's own output is untouched. In secure-execution (setuid)
// processes glibc ignores both (ld.so(8)). `interprobe check` reads it from its control run (did
// RUN load the very library file under test?), `interprobe run --shim-for` from its one run (did
// the command load LIB at all, or was the table empty for that reason?).
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "exec.hpp"

namespace interprobe {

// `env` with the loader's file log going to `log_dir`/log.<pid>. False (env unchanged) if the
// caller already set LD_DEBUG or LD_DEBUG_OUTPUT: their log is theirs, and there is no witness.
bool add_loader_log(Env& env, const std::filesystem::path& log_dir);

// What the log says the loader opened: `paths` from "calling init: PATH" and "calling fini: PATH
// [ns]" (the name the object was found by, a path), `names` from "file=NAME [ns];  generating
// link map" (as requested: a SONAME or a path).
struct LoaderLog {
  std::set<std::string> paths, names;
};

LoaderLog read_loader_log(const std::filesystem::path& log_dir);

// Did the run load the very file `library`? By device and inode when the log gives a path that
// resolves. Only a library without constructors or destructors appears by name alone; then the
// name must match and no other file of that name may have been loaded. Other files with the
// library's name go to `others` (typically the system's copy instead of the build's).
bool loaded_library(const LoaderLog& log, const std::filesystem::path& library,
                    const std::string& soname, std::vector<std::string>& others);

}  // namespace interprobe
