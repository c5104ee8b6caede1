// shim_command.cpp — `interprobe shim`: generate a preloadable shim that counts the calls of any
// library's functions and forwards them untouched (tools/shim/, docs/SHIM.md).
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "arch.hpp"
#include "commands.hpp"
#include "elf_symbols.hpp"
#include "generator.hpp"

namespace interprobe::cli {

namespace {

struct ShimOptions {
  std::string library, output, symbols, runtime, emit_asm;
  bool all_exported = false, json = false;
};

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

int run_shim(const ShimOptions& o) {
  using namespace interprobe::shim;
  try {
    if (o.all_exported == !o.symbols.empty())
      throw InputError("give exactly one of --symbols a,b,c and --all-exported");
    PlanRequest req{o.library, split_commas(o.symbols), o.all_exported, {}, true};
    // The library's machine picks the runtime (an aarch64 library: the aarch64 runtime).
    const std::uint16_t machine = read_dynamic_symbols(o.library).machine;
    const std::string runtime = o.runtime.empty() ? default_runtime_path(machine) : o.runtime;
    if (arch_for_machine(machine) != nullptr) {  // else plan_shim names what is missing
      require_runtime(runtime, machine);
      req.runtime_needs = archive_undefined_symbols(runtime);
    }
    ShimPlan plan = plan_shim(req);
    if (!o.emit_asm.empty()) {
      std::ofstream(o.emit_asm) << render_assembly(plan);
    }
    build_shim(plan, BuildOptions{o.output, runtime, ""});
    if (o.json) {
      fmt::print("{}", plan_json(plan, o.output));
    } else {
      fmt::print("interprobe shim: {} — {} functions trampolined, {} exported symbols skipped\n",
                 o.output, plan.trampolined.size(), plan.skipped.size());
      for (const Skipped& s : plan.skipped) fmt::print("  skipped {}: {}\n", s.name, s.reason);
    }
    return 0;
  } catch (const InputError& e) {
    fmt::print(stderr, "interprobe shim: {}\n", e.what());
    return 2;
  }
}

}  // namespace

void add_shim_command(CLI::App& app) {
  auto o = std::make_shared<ShimOptions>();
  CLI::App* cmd = app.add_subcommand(
      "shim",
      "Generate a preload library that counts calls of a library's functions, per calling "
      "object, and forwards each call untouched (no signatures needed). Its report has "
      "libprobe's format; set PROBE_SHIM_REPORT / PROBE_SHIM_FORMAT (else PROBE_REPORT / "
      "PROBE_FORMAT).");
  cmd->add_option("--lib", o->library,
                  "The shared library whose symbols to trampoline (not an executable: its own "
                  "definitions come before any preload's, so a shim of them would never run).")
      ->required();
  cmd->add_option("--symbols", o->symbols, "Comma-separated functions to trampoline.");
  cmd->add_flag("--all-exported", o->all_exported,
                "Trampoline every exported function (data symbols are listed as skipped).");
  cmd->add_option("-o,--output", o->output, "The shim to write (replaced only on success).")->required();
  cmd->add_option("--runtime", o->runtime,
                  "The prebuilt shim runtime archive (default: $INTERPROBE_SHIM_RUNTIME, else "
                  "the installed one beside libprobe.so, else this build's" +
                      default_text(": " + interprobe::shim::default_runtime_path(), "") +
                      "; for another machine's library, the installed one in a directory named "
                      "after its processor beside it, else this build's cross-built one" +
                      default_text(interprobe::shim::foreign_runtime_defaults(), "") + ").");
  cmd->add_flag("--json", o->json,
                "Print the trampolined and skipped symbols and the shim path as JSON.");
  cmd->add_option("--emit-asm", o->emit_asm, "Also write the generated assembly to this file.");
  cmd->callback([o] { set_exit_status(run_shim(*o)); });
}

}  // namespace interprobe::cli
