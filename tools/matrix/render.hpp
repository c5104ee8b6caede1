// render.hpp — the matrix as a terminal table, as docs/DRAWBACKS.md (Markdown) and as JSON.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "matrix.hpp"

namespace interprobe {

using CellKey = std::pair<std::string, std::string>;  // (variant, path)
using Observations = std::map<CellKey, Observation>;

struct Toolchain {
  std::string gcc, clang;  // versions, "" if not found
};

// The variants of the table a run did not observe, and why. A document of a partial run says
// what it did not observe rather than claim "every override reaches every caller" for it.
struct Coverage {
  std::vector<std::string> not_built;  // the variant's compiler is missing on this machine
  std::vector<std::string> not_run;    // left out by --variant
};

// Number of cells whose observed verdict differs from the table (or could not be observed).
int count_mismatches(const Matrix& m, const Observations& obs);

std::string render_text(const Matrix& m, const Observations& obs);
// With --bypass: per observed cell with a function target, the calls from the expected caller that
// reached the target's definition without the override, or why it could not be counted.
std::string render_bypass_text(const Matrix& m, const Observations& obs);
std::string render_markdown(const Matrix& m, const Observations& obs, const Toolchain& tc,
                            const Coverage& coverage = {});
// {"format": "interprobe-matrix", "version": 1, "paths": [...], "variants": [{"name", "status":
// "run"|"not built"|"not run", "cells": [...]}], "mismatches"}: docs/cli/matrix.md.
nlohmann::json render_json(const Matrix& m, const Observations& obs, const Coverage& coverage);

}  // namespace interprobe
