// exec_pair.hpp — the project's rule for every preloaded run in a test: pair it with a control
// run of the same command, and the host's stdout and ending must be identical.
#pragma once

#include <string>
#include <vector>

#include "exec.hpp"

namespace test_support {

// Runs argv with `control_env`, then with `preloaded_env`; a failure of the calling test if
// stdout or the ending ("exit 0", "signal 11", ...) differ. Returns the preloaded run.
interprobe::ExecResult run_pair(const std::vector<std::string>& argv,
                                const interprobe::Env& control_env,
                                const interprobe::Env& preloaded_env,
                                const interprobe::ExecOptions& opt = {});

// The same, the control environment being `preloaded_env` without LD_PRELOAD and PROBE_*.
interprobe::ExecResult run_pair(const std::vector<std::string>& argv,
                                const interprobe::Env& preloaded_env,
                                const interprobe::ExecOptions& opt = {});

}  // namespace test_support
