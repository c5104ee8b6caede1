// scan_render.hpp — scan results as a text table (terminal), JSON (docs/SCAN.md "JSON format") and
// Markdown (a packager's page: which overrides the package's libraries still honour inside).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scanner.hpp"

namespace interprobe::scan {

struct RenderOptions {
  bool summary_only = false;  // facts and verdict counts, no symbol rows
  // The text table (scan_text.cpp): rows of these verdicts only (empty: all); order; a line per
  // caller under each row; ANSI colour for the verdicts.
  std::vector<SymVerdict> verdicts;
  enum class Sort : std::uint8_t { dynsym, name, verdict, sites } sort = Sort::dynsym;
  bool callers = false;
  bool color = false;
};

std::string render_text(const std::vector<LibraryReport>& libs, const RenderOptions& opt);
std::string render_json(const std::vector<LibraryReport>& libs);
std::string render_markdown(const std::vector<LibraryReport>& libs, const RenderOptions& opt);

// A name from a file (symbol, path, SONAME, .comment) for a terminal or a Markdown page: control
// characters (a name can hold any byte but NUL) become \xNN, so that a file cannot move the
// cursor or colour the terminal, and in Markdown `|` becomes \| (it would end a table cell).
// Other bytes are left alone. JSON output escapes names its own way (render_json).
enum class TextFor { terminal, markdown };
std::string printable(std::string_view name, TextFor where = TextFor::terminal);

// The symbol as binutils writes it: name, name@@VERSION (default version) or name@VERSION
// (hidden, for old binaries only), through printable().
std::string symbol_text(const SymbolReport& s, TextFor where = TextFor::terminal);

// A symbol or caller name for people: C++ names demangled, through printable() (JSON keeps the
// mangled name). shown_symbol adds the version as symbol_text does.
std::string shown_name(std::string_view name, TextFor where = TextFor::terminal);
std::string shown_symbol(const SymbolReport& s, TextFor where = TextFor::terminal);

// A C++ symbol name (`_Z...`) demangled with abi::__cxa_demangle; "" if it is not one (C names)
// or does not demangle.
std::string demangle(std::string_view name);

// "1683 exported: 200 interposable, 1167 bound, 1 mixed, 315 without internal references".
std::string summary_text(const LibraryReport& lib);
std::string summary_text(std::size_t exported, std::size_t interposable, std::size_t bound,
                         std::size_t mixed, std::size_t none);
// An optional count: the number, or "-" (no DWARF).
std::string inlined_text(const std::optional<std::size_t>& n);

// One line of library-wide facts: "DT_SYMBOLIC no, BIND_NOW yes, PLT .plt+.plt.sec, ...".
std::string facts_line(const LibraryFacts& f);

}  // namespace interprobe::scan
