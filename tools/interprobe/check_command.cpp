// check_command.cpp — `interprobe check --library L --symbols a,b --expect interposable|bound
// [-- CMD...]`: does an LD_PRELOAD override of the symbols take effect for the library's own
// calls? The engine of the CMake function interprobe_add_interposition_test() (docs/cli/check.md).
// Exit 0 as expected, 1 not as expected, 2 bad input or nothing could be checked; --json prints
// the same outcome as a document.
#include <fmt/format.h>

#include <iostream>

#include "artifacts.hpp"
#include "check.hpp"
#include "commands.hpp"
#include "generator.hpp"

namespace interprobe::cli {

namespace {

struct CheckOptions {
  CheckRequest req;
  std::string expect;
  std::string observer = "auto";
  bool json = false;
};

// A shim for the symbols libprobe.so does not override, as `interprobe shim` builds it.
void build_check_shim(const std::string& library, const std::vector<std::string>& symbols,
                      const std::string& output) {
  const std::string runtime = shim::default_runtime_path();
  const shim::ShimPlan plan = shim::plan_shim(
      shim::PlanRequest{library, symbols, false, shim::archive_undefined_symbols(runtime)});
  shim::build_shim(plan, shim::BuildOptions{output, runtime, ""});
}

int check(CheckOptions& opt) {
  opt.req.expect = opt.expect == "bound" ? Expectation::bound : Expectation::interposable;
  opt.req.observer = opt.observer == "probe"  ? Observer::probe
                     : opt.observer == "shim" ? Observer::shim
                                              : Observer::automatic;
  opt.req.build_shim = build_check_shim;
  CheckOutcome out = run_check(opt.req);
  if (opt.json)
    // Names are the library's bytes: invalid UTF-8 becomes U+FFFD (the default throws).
    std::cout << out.json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  else
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
      "copies), and at run time when a command is given after '--': it runs without and with an "
      "override of each symbol (libprobe.so's, or a shim generated for LIBRARY's other "
      "functions) and counts the calls that reached the override from LIBRARY.");
  cmd->add_option("--library", opt->req.library, "The shared library under test (its file).")
      ->required()
      ->option_text("PATH");
  cmd->add_option("--symbols", opt->req.symbols,
                  "Functions the library defines, exports and calls itself (comma-separated or "
                  "repeated; blanks around a name are ignored). A name may carry the version "
                  "`interprobe scan` prints with it, NAME@@VERSION or NAME@VERSION: the library "
                  "must define that version.")
      ->required()
      ->delimiter(',')
      ->option_text("NAME[,NAME...]");
  cmd->add_option("--expect", opt->expect,
                  "interposable: the library's own calls reach an LD_PRELOAD override; bound: they "
                  "stay inside the library.")
      ->required()
      ->check(CLI::IsMember({"interposable", "bound"}))
      ->option_text("interposable|bound");
  with_default(
      cmd->add_option("--probe", opt->req.probe, "libprobe.so to preload (an absolute path)."),
      "the libprobe.so installed with this interprobe, else the build tree's")
      ->option_text("PATH");
  // A whole number of seconds, with its limits in the message (CLI::PositiveNumber's range ends
  // in the largest double, 309 digits).
  cmd->add_option("--timeout", opt->req.timeout_seconds,
                  "Kill a run of the command after this many seconds, 1 to 86400.")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            int n = 0;
            std::size_t used = 0;
            try {
              n = std::stoi(v, &used);
            } catch (const std::exception&) {
              used = 0;
            }
            if (used != v.size() || n < 1 || n > 86400)
              return "SECONDS must be a whole number from 1 to 86400, not '" + v + "'";
            return "";
          },
          "SECONDS", "1 to 86400"))
      ->option_text("SECONDS");
  cmd->add_option("--observer", opt->observer,
                  "What overrides the symbols at run time: auto (libprobe.so for the symbols it "
                  "overrides, a generated shim for the others), probe, or shim.")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "probe", "shim"}))
      ->option_text("auto|probe|shim");
  cmd->add_flag("--json", opt->json,
                "Print the outcome as JSON (format interprobe-check, docs/cli/check.md) instead "
                "of text; the exit status and the one-line error on stderr are the same.");
  cmd->add_flag("--runtime-only", opt->req.runtime_only,
                "Skip the static half (where a known blind spot of the scanner, docs/SCAN.md, "
                "makes it wrong for this library); needs a RUN command.");
  cmd->add_option("command", opt->req.command,
                  "The RUN command (after '--'): it must load LIBRARY and make the internal calls "
                  "of the symbols.");
  cmd->positionals_at_end();
  cmd->footer(
      "The run-time half overrides LIBRARY's functions with a shim built for them (needs a C "
      "compiler, as `interprobe shim`); libprobe.so's own symbols (malloc family, time family; "
      "in a build tree also the bundled victim's functions) through libprobe.so. Example:\n  interprobe check "
      "--library build/libfoo.so.1 --symbols foo_alloc --expect interposable -- "
      "build/foo_selftest\nUsing it from CMake (interprobe_add_interposition_test): "
      "docs/PACKAGING.md.");
  cmd->callback([opt] { set_exit_status(check(*opt)); });
}

}  // namespace interprobe::cli
