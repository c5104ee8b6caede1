// scratch.hpp — a scratch directory of this test process's own.
//
// ctest runs the tests in parallel, each GoogleTest case in its own process: a fixed name under
// testing::TempDir() is shared by every test that uses it, and one test's file replaced another's
// mid-run (RunShimFor, on a fresh clone). The process id makes the directory unique.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

inline std::filesystem::path scratch_dir() {
  std::filesystem::path dir =
      std::filesystem::path(testing::TempDir()) / ("interprobe-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}
