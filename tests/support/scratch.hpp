// scratch.hpp — scratch directories for tests: one per test process (scratch_dir) and one per
// fixture or test case (ScratchDir, removed with the object).
//
// ctest runs the tests in parallel, each GoogleTest case in its own process: a fixed name under
// testing::TempDir() is shared by every test that uses it, and one test's file replaced another's
// mid-run (RunShimFor, on a fresh clone). The process id makes scratch_dir() unique; ScratchDir
// takes a fresh mkdtemp(3) name.
#pragma once

#include <filesystem>
#include <string>

namespace test_support {

// <testing::TempDir()>/interprobe-<pid>, created if missing; never removed (ctest's own tmp).
std::filesystem::path scratch_dir();

// A fresh directory /tmp/interprobe-<tag>-XXXXXX, removed (whatever a test left in it, with the
// owner's permissions given back first) when the object goes. path() is empty if mkdtemp
// failed; fixtures ASSERT on it.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace test_support

using test_support::scratch_dir;
