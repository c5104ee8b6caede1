// check_command.cpp — `interprobe check --library L --symbols a,b --expect interposable|bound
// [-- CMD...]`: does an LD_PRELOAD override of the symbols take effect for the library's own
// calls? The engine of the CMake function interprobe_add_interposition_test() (docs/cli/check.md).
// Exit 0 as expected, 1 not as expected, 2 bad input or nothing could be checked.
#include <fmt/format.h>

#include <iostream>

#include "../runner/check.hpp"
#include "../runner/matrix.hpp"
#include "commands.hpp"

namespace interprobe::cli {

namespace {

struct CheckOptions {
  CheckRequest req;
  std::string expect;
};

int check(CheckOptions& opt) {
  opt.req.expect = opt.expect == "bound" ? Expectation::bound : Expectation::interposable;
  CheckOutcome out = run_check(opt.req);
  for (auto& line : out.lines) std::cout << line << "\n";
  std::cout.flush();
  if (!out.error.empty()) fmt::print(stderr, "interprobe check: {}\n", out.error);
  return out.status;
}

}  // namespace

void add_check_command(CLI::App& app) {
  auto opt = std::make_shared<CheckOptions>();
  opt->req.probe = Artifacts::locate().probe;
  CLI::App* cmd = app.add_subcommand(
      "check",
      "Check that LD_PRELOAD overrides of SYMBOLS take effect (interposable) or not (bound) for "
      "LIBRARY's own calls of them. Statically from the library file (the scanner of `interprobe "
      "scan`: its PLT/GOT references and bound references such as direct calls and inlined "
      "copies), and at run time when a command is given after '--': it runs without and with "
      "libprobe.so, and the probe counts the calls that reached its override from LIBRARY. Exit 0 "
      "as expected, 1 not as expected (with what "
      "was found and why it matters), 2 bad input or nothing checked.");
  cmd->add_option("--library", opt->req.library, "The shared library under test (its file).")
      ->required()
      ->option_text("PATH");
  cmd->add_option("--symbols", opt->req.symbols,
                  "Functions the library defines, exports and calls itself (comma-separated or "
                  "repeated).")
      ->required()
      ->delimiter(',')
      ->option_text("NAME[,NAME...]");
  cmd->add_option("--expect", opt->expect,
                  "interposable: the library's own calls reach an LD_PRELOAD override; bound: they "
                  "stay inside the library.")
      ->required()
      ->check(CLI::IsMember({"interposable", "bound"}))
      ->option_text("interposable|bound");
  cmd->add_option("--probe", opt->req.probe, "libprobe.so to preload (an absolute path).")
      ->capture_default_str();
  cmd->add_option("--timeout", opt->req.timeout_seconds,
                  "Kill a run of the command after this many seconds (default 300).")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->option_text("SECONDS");
  cmd->add_flag("--runtime-only", opt->req.runtime_only,
                "Skip the static half (where a known blind spot of the scanner, docs/SCAN.md, "
                "makes it wrong for this library); needs a RUN command.");
  cmd->add_option("command", opt->req.command,
                  "The RUN command (after '--'): it must load LIBRARY and make the internal calls "
                  "of the symbols.");
  cmd->positionals_at_end();
  cmd->footer(
      "The run-time half can observe only the symbols libprobe.so overrides (malloc family, time "
      "family, the bundled victim's functions). Example:\n  interprobe check --library "
      "build/libfoo.so.1 --symbols foo_alloc --expect interposable -- build/foo_selftest\nSee "
      "docs/cli/check.md and docs/PACKAGING.md.");
  cmd->callback([opt] { set_exit_status(check(*opt)); });
}

}  // namespace interprobe::cli
