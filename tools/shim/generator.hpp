// generator.hpp — `interprobe shim`: which symbols of a library get a trampoline (the plan), and
// turning a plan into a preloadable shim (assembly + the prebuilt runtime, linked by the system
// C compiler). The CLI (tools/interprobe/shim_command.cpp) is a thin layer over this; so are
// `interprobe run --shim-for LIB` and the runtime half of `interprobe check` (docs/SHIM.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "elf_symbols.hpp"

namespace interprobe::shim {

struct Skipped {
  std::string name;
  std::string reason;
};

struct ShimPlan {
  std::string library;                    // as given
  std::string arch;                       // "x86-64", "aarch64"
  std::uint16_t machine = 0;              // the library's ELF e_machine
  std::vector<std::string> trampolined;   // in .dynsym order, each name once
  std::vector<Skipped> skipped;           // exported but not trampolined, with the reason
};

struct PlanRequest {
  std::string library;
  std::vector<std::string> symbols;  // empty with all_exported
  bool all_exported = false;
  std::vector<std::string> runtime_needs;  // functions the shim runtime calls (never trampolined)
  // A library of another machine than the host's is planned too, if it has a backend
  // (`interprobe shim` makes shims to run elsewhere; `run --shim-for` and `check` run them here).
  bool any_machine = false;
};

// Throws InputError naming the library or the symbol: not found / not ELF / another machine
// (without any_machine, or one without a backend),
// a requested symbol that the library does not export, or that is data or otherwise unusable.
ShimPlan plan_shim(const PlanRequest& request);

struct BuildOptions {
  std::string output;    // the .so to write (replaced atomically, only on success)
  std::string runtime;   // libinterprobe_shim_rt.a; "" = default_runtime_path()
  std::string compiler;  // "" = find_compiler()
};

// The prebuilt runtime for shims of `machine`'s libraries: $INTERPROBE_SHIM_RUNTIME, else the
// installed one or the one this build made (the host's machine), else the build tree's cross
// build's, <build>/<processor>/lib/interprobe/ (another machine). Without an argument: the host's.
std::string default_runtime_path(std::uint16_t machine);
std::string default_runtime_path();
// For --help: "; aarch64 library: PATH" for every machine with a backend but this one.
std::string foreign_runtime_defaults();

// Throws InputError if `runtime` is not there (naming how to build it) or is an archive for
// another machine than `machine`.
void require_runtime(const std::string& runtime, std::uint16_t machine);

// The host's machine: $CC (first word), else cc, gcc, clang in PATH. Another machine: $CC if
// `$CC -dumpmachine` names it, else `<processor>-linux-gnu-gcc` in PATH. Throws InputError
// (one line saying what to install) if there is none.
std::string find_compiler(std::uint16_t machine);
std::string find_compiler();

// Writes the assembly, links it into a temporary directory next to `output` and renames the
// result into place. Throws InputError (bad runtime, no compiler, compile failure with the
// compiler's output) and leaves nothing behind.
void build_shim(const ShimPlan& plan, const BuildOptions& options);

// The assembly for a plan (for tests and --emit-asm).
std::string render_assembly(const ShimPlan& plan);

// Machine-readable description: {"library", "arch", "shim", "trampolined": [...],
// "skipped": [{"name","reason"}]}.
std::string plan_json(const ShimPlan& plan, const std::string& shim_path);

}  // namespace interprobe::shim
