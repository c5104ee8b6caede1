// diff_inputs.hpp — `interprobe diff` between two inputs, each a library, a package (.deb, .rpm)
// or, for OLD, a saved `scan --json`: their libraries paired by SONAME, each pair compared
// (diff.hpp), known losses waived (--accept), and the whole as text, JSON (docs/SCAN.md, "diff
// --json", version 3) and Markdown (diff_report.cpp).
#pragma once

#include <string>
#include <vector>

#include "diff.hpp"
#include "package.hpp"
#include "scanner.hpp"

namespace interprobe::scan {

// One side of the comparison: what was named, and the libraries it holds.
struct DiffSide {
  std::string path;
  InputKind kind = InputKind::elf;
  std::string saved_by;  // a saved scan: the version of the interprobe that wrote it
  std::vector<LibraryReport> libraries;
};

struct LibraryPair {
  std::string key;  // the SONAME both have (else the file name)
  const LibraryReport* old_lib = nullptr;
  const LibraryReport* new_lib = nullptr;
  LibraryDiff diff;
};

struct InputDiff {
  const DiffSide* old_side = nullptr;
  const DiffSide* new_side = nullptr;
  std::vector<LibraryPair> pairs;
  std::vector<const LibraryReport*> only_old, only_new;  // no library of that SONAME on the other
  std::string accept_file;                               // --accept, "" if none
  std::vector<Waiver> stale;                             // its waivers that matched no lost symbol
  std::size_t lost() const;                              // not waived, over all pairs
  std::size_t waived() const;
};

// Pairs the libraries and compares each pair. One library on each side: those two, whatever
// their SONAMEs (a new major version is still compared; `warnings` says so). Otherwise by SONAME
// (a library without one: by file name), and where one side has several libraries of a SONAME
// (glibc-hwcaps copies), those of the same installed path. `errors` gets one line for a pair
// that exports no symbol of the same name (not two builds of one library) and for nothing
// paired at all: the comparison then must not pass for "nothing lost".
InputDiff diff_inputs(const DiffSide& old_side, const DiffSide& new_side,
                      std::vector<std::string>& warnings, std::vector<std::string>& errors);

// waivers.cpp. An --accept file: one symbol name or fnmatch(3) glob a line (`PyUnicode_*`),
// optionally followed by `# reason`; blank lines and lines that start with `#` are comments.
// Throws ScanError ("line N: ...") for a line with more than one word before the comment.
std::vector<Waiver> read_waivers(const std::string& path);
// Moves each lost symbol that a waiver matches (its name or its demangled name) from `lost` to
// `waived`; the waivers that matched nothing go to d.stale.
void apply_waivers(InputDiff& d, const std::vector<Waiver>& waivers);

// diff_report.cpp. For one library on each side named directly, the text and Markdown are those of
// the pair alone (render_diff_text, diff.hpp).
std::string render_input_diff_text(const InputDiff& d);
std::string render_input_diff_json(const InputDiff& d);
std::string render_input_diff_markdown(const InputDiff& d);

}  // namespace interprobe::scan
