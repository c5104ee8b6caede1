// cli_helpers.hpp — what the tests of `interprobe scan` and `diff` as a user runs them share: the
// command with its arguments, and the victim variants' libraries.
#pragma once

#include <string>
#include <vector>

#include "exec.hpp"

namespace cli_helpers {

inline interprobe::ExecResult cmd(std::vector<std::string> args) {
  args.insert(args.begin(), TEST_INTERPROBE);
  return interprobe::exec(args, interprobe::current_environment());
}

inline std::string victim(const std::string& v) {
  return std::string(TEST_VARIANTS) + "/" + v + "/libvictim.so.1";
}

}  // namespace cli_helpers
