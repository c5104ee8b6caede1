// commands.hpp — each subcommand registers itself on the CLI11 app and records its exit status.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace interprobe::cli {

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

}  // namespace interprobe::cli
