// matrix_command.cpp — `interprobe matrix`: runs victim_app against every built victim variant,
// with and without libprobe.so, and prints which overrides took effect per variant and call path;
// `--markdown FILE` writes docs/DRAWBACKS.md, --json the observations. Exit 1 if any cell differs
// from victim/matrix.json, 2 for bad usage (checked before anything runs) or a missing piece.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "matrix.hpp"
#include "render.hpp"

namespace interprobe::cli {

namespace {

namespace fs = std::filesystem;

std::string first_line_of(const std::vector<std::string>& argv) {
  ExecResult r = exec(argv, current_environment());
  if (!r.exited || r.exit_status != 0) return "";
  return r.out.substr(0, r.out.find('\n'));
}

struct MatrixOptions {
  Artifacts artifacts = Artifacts::locate();
  std::vector<std::string> variants;
  std::string markdown, arch;
  bool quiet = false, json = false, bypass = false;
};

// --markdown FILE is written whole or not at all: into a temporary file beside it, made before
// anything runs (a missing directory fails at once, with the reason), renamed over FILE at the
// end.
class PendingFile {
 public:
  // Empty error on success.
  std::string open(const std::string& target) {
    target_ = fs::absolute(target);
    temp_ = (target_.parent_path() / ("." + target_.filename().string() + ".XXXXXX")).string();
    const int fd = mkstemp(temp_.data());
    if (fd < 0) {
      const std::string why = std::strerror(errno);
      temp_.clear();
      return why;
    }
    // mkstemp makes it 0600; the document gets the mode a plain open() would give it.
    const mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    ::close(fd);
    return "";
  }
  std::string commit(const std::string& text) {
    std::ofstream out(temp_, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return "write error";
    std::error_code ec;
    fs::rename(temp_, target_, ec);
    if (ec) return ec.message();
    temp_.clear();
    return "";
  }
  ~PendingFile() {
    if (!temp_.empty()) ::unlink(temp_.c_str());
  }

 private:
  fs::path target_;
  std::string temp_;
};

int run_matrix(MatrixOptions& opt, const CLI::App& cmd) {
  if (!opt.arch.empty()) {
    // Another architecture's pieces of this build tree; a path given on the command line wins.
    Artifacts a;
    try {
      a = Artifacts::for_arch(opt.arch);
    } catch (const std::invalid_argument& e) {
      fmt::print(stderr, "interprobe matrix: --arch: {}\n", e.what());
      return 2;
    }
    if (a.app.empty()) {
      fmt::print(stderr,
                 "interprobe matrix: --arch {}: not built in this build tree (it needs the {} "
                 "cross compilers and qemu-user at configure time; scripts/install-deps.sh "
                 "installs them)\n",
                 opt.arch, opt.arch);
      return 2;
    }
    if (cmd.count("--probe") == 0) opt.artifacts.probe = a.probe;
    if (cmd.count("--app") == 0) opt.artifacts.app = a.app;
    if (cmd.count("--variants-dir") == 0) opt.artifacts.variants_dir = a.variants_dir;
    opt.artifacts.launcher = a.launcher;
  }
  if (opt.artifacts.app.empty() || opt.artifacts.matrix.empty() || opt.artifacts.variants_dir.empty()) {
    // An installed interprobe, or a build without tests: the victim builds are development
    // artefacts (docs/cli/matrix.md).
    fmt::print(stderr,
               "interprobe matrix: the victim library variants are not installed (nor built "
               "without -DINTERPROBE_BUILD_TESTS=ON); run it from a build tree with the tests "
               "(build/bin/interprobe matrix) or pass --app, --variants-dir and --matrix\n");
    return 2;
  }
  if (opt.json && opt.markdown == "-") {
    fmt::print(stderr, "interprobe matrix: --json and --markdown - both want stdout\n");
    return 2;
  }
  PendingFile markdown_file;
  if (!opt.markdown.empty() && opt.markdown != "-")
    if (std::string why = markdown_file.open(opt.markdown); !why.empty()) {
      fmt::print(stderr, "interprobe matrix: cannot write --markdown '{}': {}\n", opt.markdown,
                 why);
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
  Coverage coverage;
  std::size_t total = 0, done = 0;
  std::vector<const VariantSpec*> chosen;
  for (auto& v : m.variants) {
    bool wanted = opt.variants.empty() ||
                  std::find(opt.variants.begin(), opt.variants.end(), v.name) != opt.variants.end();
    if (!wanted) {
      coverage.not_run.push_back(v.name);
      continue;
    }
    if (!variant_built(opt.artifacts, v)) {
      if (opt.arch.empty())
        fmt::print(stderr, "interprobe matrix: variant {} is not built in {} (compiler missing?)\n",
                   v.name, opt.artifacts.variants_dir);
      else  // cmake/InterprobeVictim.cmake leaves out the flags an architecture lacks (gcc-cet)
        fmt::print(stderr, "interprobe matrix: variant {} is not built for {} (its flags are not "
                   "for this architecture, or the compiler is missing)\n", v.name, opt.arch);
      coverage.not_built.push_back(v.name);
      continue;
    }
    chosen.push_back(&v);
    total += m.paths.size();
  }
  const bool progress = !opt.quiet && isatty(2);
  // The Markdown document says how many calls each bypassed cell missed (issue 14).
  const bool bypass = opt.bypass || !opt.markdown.empty();
  for (const VariantSpec* v : chosen) {
    for (auto& p : m.paths) {
      if (progress)
        fmt::print(stderr, "\r[{:>3}/{}] {:<40}", ++done, total, v->name + " " + p.name);
      obs[{v->name, p.name}] = observe(opt.artifacts, *v, p, bypass);
    }
  }
  if (progress) fmt::print(stderr, "\r{:<60}\r", "");
  // stdout holds one thing: the JSON, the Markdown (--markdown -), or the text table.
  if (opt.json)
    std::cout << render_json(m, obs, coverage).dump(2) << "\n";
  else if (!opt.quiet && opt.markdown != "-")
    std::cout << render_text(m, obs) << (opt.bypass ? render_bypass_text(m, obs) : "");
  if (!opt.markdown.empty()) {
    Toolchain tc{first_line_of({"gcc", "-dumpfullversion"}), first_line_of({"clang", "-dumpversion"})};
    std::string md = render_markdown(m, obs, tc, coverage);
    if (opt.markdown == "-") {
      std::cout << md;
    } else if (std::string why = markdown_file.commit(md); !why.empty()) {
      fmt::print(stderr, "interprobe matrix: cannot write '{}': {}\n", opt.markdown, why);
      return 2;
    }
  }
  int mismatches = count_mismatches(m, obs);
  if (mismatches != 0)
    fmt::print(stderr, "interprobe matrix: {} cell(s) differ from {}\n", mismatches,
               opt.artifacts.matrix);
  return mismatches == 0 ? 0 : 1;
}

}  // namespace

void add_matrix_command(CLI::App& app) {
  auto opt = std::make_shared<MatrixOptions>();
  CLI::App* cmd = app.add_subcommand(
      "matrix",
      "Run the victim app against every built victim variant, with and without libprobe.so, and "
      "print which LD_PRELOAD overrides took effect per variant and call path, against the "
      "truth table (victim/matrix.json).");
  cmd->add_option("--markdown", opt->markdown,
                  "Also write the matrix as Markdown to FILE, replaced whole at the end ('-': "
                  "print it on stdout instead of the table); this is how docs/DRAWBACKS.md is "
                  "made. A document of a partial run (--variant) says which variants it did not "
                  "run. FILE's directory is checked before anything runs. Implies --bypass: each "
                  "cell says how many calls the override missed.")
      ->option_text("FILE");
  cmd->add_flag("--json", opt->json,
                "Print the observations as JSON (format interprobe-matrix, docs/cli/matrix.md) "
                "instead of the table.");
  cmd->add_option("--variant", opt->variants, "Only this variant (repeatable).")
      ->option_text("NAME");
  cmd->add_flag("--bypass", opt->bypass,
                "Also count, at each target's real definition, the library's calls that bypassed "
                "the override (PROBE_BYPASS=1, docs/BYPASS.md): a table after the matrix, "
                "\"bypassed\" in each JSON cell.");
  cmd->add_option("--arch", opt->arch,
                  "Run the matrix for another architecture: its victim variants, victim_app and "
                  "libprobe.so cross-built by this build tree, run under qemu-user (today: "
                  "aarch64). The truth table is the same; cells that differ are mismatches.")
      ->option_text("ARCH");
  cmd->add_flag("-q,--quiet", opt->quiet, "Print no table and no progress; only the exit status and --markdown.");
  with_default(cmd->add_option("--probe", opt->artifacts.probe, "libprobe.so to preload."),
               "the libprobe.so installed with this interprobe, else the build tree's");
  with_default(cmd->add_option("--app", opt->artifacts.app, "The victim app."),
               "the build tree's victim_app (not installed)");
  with_default(cmd->add_option("--variants-dir", opt->artifacts.variants_dir,
                               "Directory with one sub-directory per variant."),
               "the build tree's victim/variants (not installed)");
  with_default(cmd->add_option("--matrix", opt->artifacts.matrix, "The truth table."),
               "the source tree's victim/matrix.json");
  cmd->callback([opt, cmd] { set_exit_status(run_matrix(*opt, *cmd)); });
}

}  // namespace interprobe::cli
