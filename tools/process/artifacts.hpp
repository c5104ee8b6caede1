// artifacts.hpp — where the built pieces are: libprobe.so, the victim's app, its variants and the
// truth table, for `interprobe matrix`, `run`, `check` and the tests.
#pragma once

#include <string>
#include <vector>

namespace interprobe {

struct Artifacts {
  std::string probe;         // libprobe.so
  std::string app;           // victim_app
  std::string variants_dir;  // one sub-directory per variant, each with libvictim.so.1
  std::string matrix;        // victim/matrix.json
  // Runs an app of another architecture, e.g. {"qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"};
  // empty for the machine's own. The loader's variables go to the app only (qemu's -E), never to
  // the emulator, which is a program of this machine.
  std::vector<std::string> launcher = {};
  static Artifacts from_build_tree();  // the paths this build was configured with
  // The build tree's cross-built pieces for `arch` ("aarch64": cmake/InterprobeCross.cmake), run
  // under qemu-user; the app is empty if they were not built. Throws std::invalid_argument for an
  // architecture the build knows nothing of.
  static Artifacts for_arch(const std::string& arch);
  // The architectures for_arch knows (whether or not this build tree has their pieces).
  static std::vector<std::string> foreign_architectures();
  // An installed interprobe (libprobe.so found relative to the running executable, per
  // GNUInstallDirs) gets the installed probe and no victim pieces (they are not installed);
  // otherwise from_build_tree().
  static Artifacts locate();
};

}  // namespace interprobe
