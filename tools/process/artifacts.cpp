// artifacts.cpp — see artifacts.hpp. Where the running `interprobe` finds libprobe.so: next to
// itself when installed, in its build tree otherwise.
//
// An installed CLI must use the installed probe, never the build tree's (which may be gone, or
// be a different version). The install layout is fixed at configure time by GNUInstallDirs, so
// the path from the executable's directory to libprobe.so is a relative constant
// (INTERPROBE_PROBE_FROM_BINDIR, e.g. ../lib/interprobe/libprobe.so) that stays true when the
// installed tree is moved or copied elsewhere. /proc/self/exe names the running executable with
// symlinks resolved, so a symlink to bin/interprobe from elsewhere still finds its own tree.
#include "artifacts.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace interprobe {

namespace fs = std::filesystem;

Artifacts Artifacts::from_build_tree() {
  return Artifacts{INTERPROBE_BUILD_PROBE, INTERPROBE_BUILD_APP, INTERPROBE_BUILD_VARIANTS,
                   INTERPROBE_SOURCE_MATRIX};
}

Artifacts Artifacts::for_arch(const std::string& arch) {
  if (arch == "aarch64")
    return Artifacts{INTERPROBE_BUILD_AARCH64_PROBE, INTERPROBE_BUILD_AARCH64_APP,
                     INTERPROBE_BUILD_AARCH64_VARIANTS, INTERPROBE_SOURCE_MATRIX,
                     {INTERPROBE_QEMU_AARCH64, "-L", INTERPROBE_AARCH64_SYSROOT}};
  throw std::invalid_argument(fmt::format("'{}' is not an architecture of this build ({})", arch,
                                          fmt::join(foreign_architectures(), ", ")));
}

std::vector<std::string> Artifacts::foreign_architectures() { return {"aarch64"}; }

Artifacts Artifacts::locate() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed =
        (exe.parent_path() / INTERPROBE_PROBE_FROM_BINDIR).lexically_normal();
    if (fs::is_regular_file(installed, ec)) {
      // The victim variants, victim_app and matrix.json are development artefacts of a build tree
      // and are not installed (docs/cli/matrix.md).
      return Artifacts{installed.string(), "", "", ""};
    }
  }
  return from_build_tree();
}

}  // namespace interprobe
