// commands.hpp — each subcommand registers itself on the CLI11 app and records its exit status;
// app.cpp registers them all, for `interprobe` (main.cpp) and for the man page generator
// (man_main.cpp), which both read the same definitions.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace interprobe::cli {

// The whole command line: version flag, every subcommand, the top-level footer. app.cpp.
void add_all_commands(CLI::App& app);

void add_matrix_command(CLI::App& app);
void add_shim_command(CLI::App& app);
void add_scan_command(CLI::App& app);  // scan_command.cpp
void add_diff_command(CLI::App& app);  // diff_command.cpp
// --debug-dir of scan and diff, into `dir` (which starts as ScanOptions' default).
void add_debug_dir_option(CLI::App* sub, std::string& dir);  // scan_command.cpp
void add_run_command(CLI::App& app);
void add_check_command(CLI::App& app);

// The status the chosen subcommand's callback set (0 if none ran).
int exit_status();
void set_exit_status(int status);

// True while the man pages are generated: texts then state the rule for a default ("the
// installed libprobe.so beside interprobe") rather than the path this binary found, which would
// be the build tree's. app.cpp.
bool documenting();
void set_documenting(bool on);

// `--help` shows the value this interprobe will use; a man page states `rule` instead.
CLI::Option* with_default(CLI::Option* option, const std::string& rule);
// "the path this interprobe found" or, documenting, `rule`.
std::string default_text(const std::string& found, const std::string& rule);

// A subcommand's one-line summary (the NAME line of its man page). app.cpp.
std::string command_summary(const std::string& name);

// Where to read more, for a --help footer: `page` ("docs/cli/run.md", "README.md") in the
// installed documentation (share/doc/interprobe/ beside this interprobe's bin/), else in this
// source tree, and the man page.
std::string see_also(const std::string& page, const std::string& man_page);

}  // namespace interprobe::cli
