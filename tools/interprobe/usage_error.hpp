// usage_error.hpp — what `interprobe` says when its command line cannot be parsed: CLI11's
// reason, the nearest command or option to a mistyped one, and the --help to read (that of the
// subcommand being parsed, when there is one). Exit status 2, like every usage error.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace interprobe::cli {

// Optimal string alignment distance (Levenshtein plus adjacent transpositions, so "scna" is one
// edit from "scan"): the measure git and CLI tools use for "did you mean".
std::size_t edit_distance(const std::string& a, const std::string& b);

// The candidate nearest to `word`, if it is close enough to be a typo of it (at most 2 edits,
// and fewer than half of the word's length); "" otherwise.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

// Prints the error for `e` (raised while parsing argv) on stderr and returns 2.
int report_usage_error(const CLI::App& app, const CLI::ParseError& e,
                       const std::vector<std::string>& args);

}  // namespace interprobe::cli
