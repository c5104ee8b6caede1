// batch.hpp — scanning many files: expanding directories and packages (.deb, .rpm: package.hpp),
// scanning each distinct file once on a std::thread pool, and a progress bar on stderr when it is
// a terminal.
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
  // Debian -dbgsym / Fedora -debuginfo packages: the debug files of the libraries scanned are
  // taken from them, by build ID (package.hpp, read_debug_packages), before options.debug_dir.
  std::vector<std::string> debug_packages;
};

struct BatchStats {
  // PIE executables found in directories or packages, not scanned
  std::size_t executables_skipped = 0;
  std::vector<std::string> debug_packages_unused;  // no file in them matched a library scanned
};

// Files given by name are scanned whatever they are (a non-ELF file is an error). Directories are
// walked recursively; in them, regular files named *.so or *.so.* that begin with the ELF magic
// are scanned, other files are skipped (libc.so is a linker script), unreadable ones are errors.
// Symbolic links inside directories are not followed (lib.so.1 -> lib.so.1.2.3 is the same file);
// hard links to one inode are scanned once and reported under each name.
// A named .deb or .rpm is read like a directory, in memory (package.hpp): its regular files named
// *.so or *.so.* that begin with the ELF magic are scanned, each reported as PACKAGE:MEMBER
// (LibraryReport::file, ::member); a hard link is reported under each name; a package that
// cannot be read is one error report.
// Results are sorted by path; errors are reports with `error` set. `stats`, if given, says what
// was left out. Throws ScanError ("PATH: reason") for a debug package that cannot be read.
std::vector<LibraryReport> scan_paths(const std::vector<std::string>& paths,
                                      const BatchOptions& options, BatchStats* stats = nullptr);

}  // namespace interprobe::scan
