// main.cpp — the `interprobe` command line: subcommands are registered here, each lives in its
// own file (matrix_command.cpp, ...). Exit status: 0 success, 1 the check found a difference,
// 2 bad usage or input.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "interprobe — which LD_PRELOAD overrides take effect in a program, and which a shared "
      "library's build flags silently bypass.",
      "interprobe"};
  app.set_version_flag("--version", std::string(INTERPROBE_VERSION));
  app.require_subcommand(1);
  interprobe::cli::add_matrix_command(app);
  interprobe::cli::add_shim_command(app);
  interprobe::cli::add_scan_command(app);
  interprobe::cli::add_diff_command(app);
  interprobe::cli::add_run_command(app);
  interprobe::cli::add_check_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "interprobe: {}\nRun 'interprobe --help' for usage.\n", e.what());
    return 2;
  }
  return interprobe::cli::exit_status();
}
