// man_page.hpp — a man page (roff, man(7) macros) rendered from a CLI11 definition: the same
// texts `--help` prints, so the pages cannot drift from the command line. Generated at build
// time by man_main.cpp and installed to share/man/man1 (cmake/InterprobeInstall.cmake).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace interprobe::cli {

// interprobe(1) for the top-level `app`: its description, the list of commands, its footer.
std::string top_man_page(const CLI::App& app, const std::string& version);

// interprobe-NAME(1) for the subcommand `sub` of `app`: synopsis, description, options, footer.
std::string command_man_page(const CLI::App& app, const CLI::App& sub, const std::string& version);

// Text made safe for roff: backslashes escaped, a leading '.' or '\'' protected, each line of
// the text (lines that begin with spaces, such as examples, kept as they are with .nf).
std::string roff_text(const std::string& text);

}  // namespace interprobe::cli
