// matrix_command.cpp — `interprobe matrix`: runs victim_app against every built victim variant,
// with and without libprobe.so, and prints which overrides took effect per variant and call path;
// `--markdown FILE` writes docs/DRAWBACKS.md. Exit 1 if any cell differs from victim/matrix.json.
#include <unistd.h>

#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "../runner/matrix.hpp"
#include "../runner/render.hpp"
#include "commands.hpp"

namespace interprobe::cli {

namespace {

int g_status = 0;

std::string first_line_of(const std::vector<std::string>& argv) {
  ExecResult r = exec(argv, current_environment());
  if (!r.exited || r.exit_status != 0) return "";
  return r.out.substr(0, r.out.find('\n'));
}

struct MatrixOptions {
  Artifacts artifacts = Artifacts::locate();
  std::vector<std::string> variants;
  std::string markdown;
  bool quiet = false;
};

int run_matrix(const MatrixOptions& opt) {
  if (opt.artifacts.app.empty() || opt.artifacts.matrix.empty() || opt.artifacts.variants_dir.empty()) {
    // An installed interprobe: the victim builds are development artefacts (docs/cli/matrix.md).
    fmt::print(stderr,
               "interprobe matrix: the victim library variants are not installed; run it from a "
               "build tree (build/bin/interprobe matrix) or pass --app, --variants-dir and --matrix\n");
    return 2;
  }
  Matrix m;
  try {
    m = load_matrix(opt.artifacts.matrix);
    for (auto& v : opt.variants) m.variant(v);
  } catch (const std::exception& e) {
    fmt::print(stderr, "interprobe matrix: {}\n", e.what());
    return 2;
  }
  for (const std::string* f : {&opt.artifacts.probe, &opt.artifacts.app})
    if (access(f->c_str(), R_OK) != 0) {
      fmt::print(stderr, "interprobe matrix: '{}' not found (build the project first)\n", *f);
      return 2;
    }
  Observations obs;
  std::size_t total = 0, done = 0;
  std::vector<const VariantSpec*> chosen;
  for (auto& v : m.variants) {
    bool wanted = opt.variants.empty() ||
                  std::find(opt.variants.begin(), opt.variants.end(), v.name) != opt.variants.end();
    if (!wanted) continue;
    if (!variant_built(opt.artifacts, v)) {
      fmt::print(stderr, "interprobe matrix: variant {} is not built in {} (compiler missing?)\n",
                 v.name, opt.artifacts.variants_dir);
      continue;
    }
    chosen.push_back(&v);
    total += m.paths.size();
  }
  const bool progress = !opt.quiet && isatty(2);
  for (const VariantSpec* v : chosen) {
    for (auto& p : m.paths) {
      if (progress)
        fmt::print(stderr, "\r[{:>3}/{}] {:<40}", ++done, total, v->name + " " + p.name);
      obs[{v->name, p.name}] = observe(opt.artifacts, *v, p);
    }
  }
  if (progress) fmt::print(stderr, "\r{:<60}\r", "");
  if (!opt.quiet) std::cout << render_text(m, obs);
  if (!opt.markdown.empty()) {
    Toolchain tc{first_line_of({"gcc", "-dumpfullversion"}), first_line_of({"clang", "-dumpversion"})};
    std::string md = render_markdown(m, obs, tc);
    if (opt.markdown == "-") {
      std::cout << md;
    } else {
      std::ofstream out(opt.markdown, std::ios::trunc);
      if (!(out << md)) {
        fmt::print(stderr, "interprobe matrix: cannot write '{}'\n", opt.markdown);
        return 2;
      }
    }
  }
  int mismatches = count_mismatches(m, obs);
  if (mismatches != 0)
    fmt::print(stderr, "interprobe matrix: {} cell(s) differ from {}\n", mismatches,
               opt.artifacts.matrix);
  return mismatches == 0 ? 0 : 1;
}

}  // namespace

int exit_status() { return g_status; }
void set_exit_status(int status) { g_status = status; }

void add_matrix_command(CLI::App& app) {
  auto opt = std::make_shared<MatrixOptions>();
  CLI::App* cmd = app.add_subcommand(
      "matrix",
      "Run the victim app against every built victim variant, with and without libprobe.so, and "
      "print which LD_PRELOAD overrides took effect per variant and call path. Exit status 1 if "
      "any cell differs from the truth table (victim/matrix.json).");
  cmd->add_option("--markdown", opt->markdown,
                  "Also write the matrix as Markdown to FILE ('-' for stdout); this is how "
                  "docs/DRAWBACKS.md is made.")
      ->option_text("FILE");
  cmd->add_option("--variant", opt->variants, "Only this variant (repeatable).")
      ->option_text("NAME");
  cmd->add_flag("-q,--quiet", opt->quiet, "Print no table and no progress; only the exit status and --markdown.");
  cmd->add_option("--probe", opt->artifacts.probe, "libprobe.so to preload.")
      ->capture_default_str();
  cmd->add_option("--app", opt->artifacts.app, "The victim app.")->capture_default_str();
  cmd->add_option("--variants-dir", opt->artifacts.variants_dir,
                  "Directory with one sub-directory per variant.")
      ->capture_default_str();
  cmd->add_option("--matrix", opt->artifacts.matrix, "The truth table.")->capture_default_str();
  cmd->callback([opt] { set_exit_status(run_matrix(*opt)); });
}

}  // namespace interprobe::cli
