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
// One architecture's part of the document: its observations, or why it has none.
struct ArchRun {
  std::string arch;     // "x86_64", "aarch64": the --arch name, the document's heading
  std::string how;      // the command that ran the app: "" (natively), "qemu-aarch64 -L ..."
  std::string missing;  // non-empty: this build tree has no pieces for it (why); nothing observed
  Observations obs;
  Coverage coverage;
  // Variants built for it that the table does not have, and how victim_app ends with each
  // (try_variant: "exit 0", "signal 4").
  std::vector<std::pair<std::string, std::string>> others;
};

// docs/DRAWBACKS.md: a section per architecture (its table; for the ones after the first, the
// cells that differ from the first's, the variants not built for it and why, the cells it could
// not observe), then the call paths and the variants' notes (of the first: the build machine).
std::string render_markdown(const Matrix& m, const std::vector<ArchRun>& runs, const Toolchain& tc);
// {"format": "interprobe-matrix", "version": 1, "paths": [...], "variants": [{"name", "status":
// "run"|"not built"|"not run", "cells": [...]}], "mismatches"}: docs/cli/matrix.md.
nlohmann::json render_json(const Matrix& m, const Observations& obs, const Coverage& coverage);

}  // namespace interprobe
