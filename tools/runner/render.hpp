// render.hpp — the matrix as a terminal table and as docs/DRAWBACKS.md (Markdown).
#pragma once

#include <map>
#include <string>
#include <utility>

#include "matrix.hpp"

namespace interprobe {

using CellKey = std::pair<std::string, std::string>;  // (variant, path)
using Observations = std::map<CellKey, Observation>;

struct Toolchain {
  std::string gcc, clang;  // versions, "" if not found
};

// Number of cells whose observed verdict differs from the table (or could not be observed).
int count_mismatches(const Matrix& m, const Observations& obs);

std::string render_text(const Matrix& m, const Observations& obs);
std::string render_markdown(const Matrix& m, const Observations& obs, const Toolchain& tc);

}  // namespace interprobe
