// artifacts.hpp — where the built pieces are: libprobe.so, the victim's app, its variants and the
// truth table, for `interprobe matrix`, `run`, `check` and the tests.
#pragma once

#include <string>

namespace interprobe {

struct Artifacts {
  std::string probe;         // libprobe.so
  std::string app;           // victim_app
  std::string variants_dir;  // one sub-directory per variant, each with libvictim.so.1
  std::string matrix;        // victim/matrix.json
  static Artifacts from_build_tree();  // the paths this build was configured with
  // An installed interprobe (libprobe.so found relative to the running executable, per
  // GNUInstallDirs) gets the installed probe and no victim pieces (they are not installed);
  // otherwise from_build_tree().
  static Artifacts locate();
};

}  // namespace interprobe
