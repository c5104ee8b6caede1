// aarch64_files.hpp — where the aarch64 scanner tests find their files (tests/CMakeLists.txt
// passes the directories): the victim variants cross-built for aarch64, Debian's arm64
// libpython3.11 and libz (scripts/install-deps.sh downloads and unpacks them, never installs
// them), the cross toolchain's own libraries, and the -Wl,-q libraries of the pairing oracle.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sweep_check.hpp"

namespace interprobe::scan::checks {

inline std::string aarch64_variant(const std::string& name) {
  return std::string(TEST_AARCH64_VARIANTS) + "/" + name + "/libvictim.so.1";
}
inline std::string x86_64_variant(const std::string& name) {
  return std::string(TEST_VARIANTS) + "/" + name + "/libvictim.so.1";
}

inline const std::string kArm64Libpython =
    std::string(TEST_ARM64_DEBS) + "/root/usr/lib/aarch64-linux-gnu/libpython3.11.so.1.0";
inline const std::string kArm64Libz =
    std::string(TEST_ARM64_DEBS) + "/root/lib/aarch64-linux-gnu/libz.so.1";

// Debian's arm64 libraries, or a failure that says how to get them (CI always has them).
inline bool have_debian_arm64() {
  for (const std::string& f : {kArm64Libpython, kArm64Libz})
    if (!std::filesystem::exists(f)) {
      ADD_FAILURE() << f << " not found: scripts/install-deps.sh downloads Debian's arm64 "
                    << "libpython3.11 and zlib1g (apt-get download) and unpacks them under "
                    << TEST_ARM64_DEBS << " (CMake: INTERPROBE_ARM64_DEBS)";
      return false;
    }
  return true;
}

// The cross toolchain's own arm64 libraries (libc6-arm64-cross, libstdc++6-arm64-cross).
inline std::vector<std::string> cross_libraries() {
  std::vector<std::string> out;
  for (const char* name : {"libc.so.6", "libm.so.6", "libstdc++.so.6"})
    out.push_back(std::string(TEST_AARCH64_LIBDIR) + "/" + name);
  return out;
}

// Every aarch64 victim variant that CMake built.
inline std::vector<std::string> aarch64_variants() {
  return variant_libraries(TEST_AARCH64_VARIANTS, 15);
}

}  // namespace interprobe::scan::checks
