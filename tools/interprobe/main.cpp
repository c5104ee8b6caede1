// main.cpp — the `interprobe` command line: subcommands are registered here, each lives in its
// own file (matrix_command.cpp, ...). Exit status: 0 success, 1 the check found a difference,
// 2 bad usage or input (usage_error.cpp says what and where to read more); `run` passes the
// command's own status through.
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "usage_error.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  interprobe::cli::add_all_commands(app);
  std::vector<std::string> args(argv + 1, argv + argc);
  // `interprobe help [COMMAND]`, as git and most tools with subcommands have it.
  if (!args.empty() && args.front() == "help") {
    args.erase(args.begin());
    if (args.size() > 1) args.resize(1);
    if (!args.empty() &&
        app.get_subcommands([&](const CLI::App* s) { return s->check_name(args.front()); }).empty())
      return interprobe::cli::report_usage_error(app, CLI::ExtrasError(args), args);
    args.push_back("--help");
  }
  try {
    // CLI11 parses a reversed vector (it pops arguments from the back).
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return interprobe::cli::report_usage_error(app, e, args);
  }
  return interprobe::cli::exit_status();
}
