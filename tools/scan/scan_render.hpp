// scan_render.hpp — scan results as a text table (terminal), JSON (docs/SCAN.md "JSON format") and
// Markdown (a packager's page: which overrides the package's libraries still honour inside).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scanner.hpp"

namespace interprobe::scan {

struct RenderOptions {
  bool summary_only = false;  // facts and verdict counts, no symbol rows
};

std::string render_text(const std::vector<LibraryReport>& libs, const RenderOptions& opt);
nlohmann::json to_json(const LibraryReport& lib);
std::string render_json(const std::vector<LibraryReport>& libs);
std::string render_markdown(const std::vector<LibraryReport>& libs, const RenderOptions& opt);

// One line of library-wide facts: "DT_SYMBOLIC no, BIND_NOW yes, PLT .plt+.plt.sec, ...".
std::string facts_line(const LibraryFacts& f);

}  // namespace interprobe::scan
