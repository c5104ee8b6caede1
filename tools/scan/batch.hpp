// batch.hpp — scanning many files: expanding directories, scanning each distinct file once on a
// std::thread pool, and a progress bar on stderr when it is a terminal.
#pragma once

#include <string>
#include <vector>

#include "scanner.hpp"

namespace interprobe::scan {

struct BatchOptions {
  ScanOptions scan;
  unsigned threads = 0;   // 0: std::thread::hardware_concurrency()
  bool progress = false;  // draw a progress bar on stderr
  // Read PIE executables as libraries too (`scan --allow-pie`); otherwise one named on the
  // command line is an error (kExecutableNotLibrary) and those found in a directory are skipped.
  bool allow_pie = false;
};

struct BatchStats {
  std::size_t executables_skipped = 0;  // PIE executables found in directories, not scanned
};

// Files given by name are scanned whatever they are (a non-ELF file is an error). Directories are
// walked recursively; in them, regular files named *.so or *.so.* that begin with the ELF magic
// are scanned, other files are skipped (libc.so is a linker script), unreadable ones are errors.
// Symbolic links inside directories are not followed (lib.so.1 -> lib.so.1.2.3 is the same file);
// hard links to one inode are scanned once and reported under each name.
// Results are sorted by path; errors are reports with `error` set. `stats`, if given, says what
// was left out.
std::vector<LibraryReport> scan_paths(const std::vector<std::string>& paths,
                                      const BatchOptions& options, BatchStats* stats = nullptr);

}  // namespace interprobe::scan
