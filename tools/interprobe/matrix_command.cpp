// matrix_command.cpp — `interprobe matrix`: runs victim_app against every built victim variant,
// with and without libprobe.so, and prints which overrides took effect per variant and call path;
// `--markdown FILE` writes docs/DRAWBACKS.md (every architecture: --arch), --json the
// observations. Exit 1 if any cell differs from victim/matrix.json, 2 for bad usage (checked
// before anything runs) or a missing piece.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
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
  std::vector<std::string> variants, archs;
  std::string markdown;
  bool quiet = false, json = false, bypass = false;
};

// The build machine's architecture, as uname -m spells it ("x86_64"): --arch's name for it.
std::string host_arch() {
  struct utsname u {};
  return uname(&u) == 0 ? u.machine : "host";
}

// One architecture to run: its pieces, or why this build tree has none.
struct Target {
  std::string arch;
  Artifacts artifacts;
  std::string missing;
};

// --arch (repeatable; "all": the build machine's and every one this build cross-compiles for;
// none: the build machine's, or all for --markdown, the document of every architecture) to the
// architectures to run, each with its pieces; a path given on the command line wins. An
// architecture named by itself and not built is an error; one of "all" is run as missing (the
// document and stderr say so). Returns 2 after one line on stderr for bad usage.
int resolve_targets(const MatrixOptions& opt, const CLI::App& cmd, std::vector<Target>& out) {
  const std::string host = host_arch();
  std::vector<std::string> all = Artifacts::foreign_architectures();
  all.insert(all.begin(), host);
  std::vector<std::pair<std::string, bool>> names;  // (arch, named by itself)
  auto add = [&](const std::string& a, bool named) {
    for (auto& n : names)
      if (n.first == a) return void(n.second = n.second || named);
    names.emplace_back(a, named);
  };
  std::vector<std::string> asked = opt.archs;
  if (asked.empty()) asked.push_back(opt.markdown.empty() ? host : "all");
  for (const std::string& a : asked) {
    if (a != "all") {
      add(a, true);
      continue;
    }
    for (const std::string& x : all) add(x, false);
  }
  const bool paths = cmd.count("--probe") + cmd.count("--app") + cmd.count("--variants-dir") > 0;
  if (names.size() > 1 && (opt.json || paths)) {
    fmt::print(stderr, "interprobe matrix: {} one architecture's: name it with --arch ({})\n",
               opt.json ? "--json prints" : "--probe, --app and --variants-dir are",
               fmt::join(all, ", "));
    return 2;
  }
  for (auto& [arch, named] : names) {
    if (std::find(all.begin(), all.end(), arch) == all.end()) {
      fmt::print(stderr,
                 "interprobe matrix: --arch: '{}' is not an architecture of this build ({}, "
                 "all)\n",
                 arch, fmt::join(all, ", "));
      return 2;
    }
    Target t{arch, opt.artifacts, ""};
    if (arch != host) {
      const Artifacts a = Artifacts::for_arch(arch);
      if (a.app.empty()) {
        t.missing = fmt::format(
            "not built in this build tree (it needs the {} cross compilers and qemu-user at "
            "configure time; scripts/install-deps.sh installs them)",
            arch);
        if (named) {
          fmt::print(stderr, "interprobe matrix: --arch {}: {}\n", arch, t.missing);
          return 2;
        }
      }
      if (cmd.count("--probe") == 0) t.artifacts.probe = a.probe;
      if (cmd.count("--app") == 0) t.artifacts.app = a.app;
      if (cmd.count("--variants-dir") == 0) t.artifacts.variants_dir = a.variants_dir;
      t.artifacts.launcher = a.launcher;
    }
    out.push_back(std::move(t));
  }
  return 0;
}

// The launcher as the document shows it: the emulator's file name and its options.
std::string launcher_text(const std::vector<std::string>& launcher) {
  if (launcher.empty()) return "";
  std::vector<std::string> shown = launcher;
  shown[0] = fs::path(shown[0]).filename().string();
  return fmt::format("{}", fmt::join(shown, " "));
}

// The variant directories the table does not have (an architecture's own specimens), with how
// victim_app ends with each.
std::vector<std::pair<std::string, std::string>> other_variants(const Matrix& m,
                                                                const Artifacts& a) {
  std::vector<std::pair<std::string, std::string>> out;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator(a.variants_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!fs::exists(entry.path() / kLibraryName) ||
        std::any_of(m.variants.begin(), m.variants.end(),
                    [&](const VariantSpec& v) { return v.name == name; }))
      continue;
    out.emplace_back(name, try_variant(a, name, m.paths.front().name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

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

// One architecture's cells: every chosen variant built for it, each path.
ArchRun run_target(const Matrix& m, const MatrixOptions& opt, const Target& t, bool bypass,
                   bool several) {
  ArchRun run{t.arch, launcher_text(t.artifacts.launcher), t.missing, {}, {}, {}};
  if (!t.missing.empty()) {  // the document says so too
    fmt::print(stderr, "interprobe matrix: {}: {}; not run\n", t.arch, t.missing);
    return run;
  }
  const Artifacts& a = t.artifacts;
  std::vector<const VariantSpec*> chosen;
  for (auto& v : m.variants) {
    bool wanted = opt.variants.empty() ||
                  std::find(opt.variants.begin(), opt.variants.end(), v.name) != opt.variants.end();
    if (!wanted) {
      run.coverage.not_run.push_back(v.name);
      continue;
    }
    if (!variant_built(a, v)) {
      if (a.launcher.empty())
        fmt::print(stderr, "interprobe matrix: variant {} is not built in {} (compiler missing?)\n",
                   v.name, a.variants_dir);
      else  // the table's architectures.<arch>.not_built (cmake/InterprobeVictim.cmake)
        fmt::print(stderr,
                   "interprobe matrix: variant {} is not built for {} (its flags are not "
                   "for this architecture, or the compiler is missing)\n",
                   v.name, t.arch);
      run.coverage.not_built.push_back(v.name);
      continue;
    }
    chosen.push_back(&v);
  }
  const bool progress = !opt.quiet && isatty(2);
  const std::size_t total = chosen.size() * m.paths.size();
  std::size_t done = 0;
  for (const VariantSpec* v : chosen)
    for (auto& p : m.paths) {
      if (progress)
        fmt::print(stderr, "\r[{:>3}/{}] {:<48}", ++done, total,
                   (several ? t.arch + " " : "") + v->name + " " + p.name);
      run.obs[{v->name, p.name}] = observe(a, *v, p, bypass);
    }
  if (progress) fmt::print(stderr, "\r{:<68}\r", "");
  if (!opt.markdown.empty() && !a.launcher.empty()) run.others = other_variants(m, a);
  return run;
}

int run_matrix(MatrixOptions& opt, const CLI::App& cmd) {
  std::vector<Target> targets;
  if (int status = resolve_targets(opt, cmd, targets); status != 0) return status;
  for (const Target& t : targets) {
    const Artifacts& a = t.artifacts;
    if (!t.missing.empty()) continue;
    if (a.app.empty() || a.matrix.empty() || a.variants_dir.empty()) {
      // An installed interprobe, or a build without tests: the victim builds are development
      // artefacts (docs/cli/matrix.md).
      fmt::print(stderr,
                 "interprobe matrix: the victim library variants are not installed (nor built "
                 "without -DINTERPROBE_BUILD_TESTS=ON); run it from a build tree with the tests "
                 "(build/bin/interprobe matrix) or pass --app, --variants-dir and --matrix\n");
      return 2;
    }
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
  for (const Target& t : targets)
    for (const std::string* f : {&t.artifacts.probe, &t.artifacts.app})
      if (t.missing.empty() && access(f->c_str(), R_OK) != 0) {
        fmt::print(stderr, "interprobe matrix: '{}' not found (build the project first)\n", *f);
        return 2;
      }
  // The Markdown document says how many calls each bypassed cell missed (issue 14).
  const bool bypass = opt.bypass || !opt.markdown.empty();
  std::vector<ArchRun> runs;
  for (const Target& t : targets) runs.push_back(run_target(m, opt, t, bypass, targets.size() > 1));
  // stdout holds one thing: the JSON, the Markdown (--markdown -), or the text table(s).
  if (opt.json) {
    std::cout << render_json(m, runs.front().obs, runs.front().coverage).dump(2) << "\n";
  } else if (!opt.quiet && opt.markdown != "-") {
    for (const ArchRun& run : runs) {
      if (runs.size() > 1) std::cout << run.arch << (run.missing.empty() ? ":\n" : ": not run\n\n");
      if (run.missing.empty())
        std::cout << render_text(m, run.obs) << (opt.bypass ? render_bypass_text(m, run.obs) : "")
                  << (runs.size() > 1 ? "\n" : "");
    }
  }
  if (!opt.markdown.empty()) {
    Toolchain tc{first_line_of({"gcc", "-dumpfullversion"}), first_line_of({"clang", "-dumpversion"})};
    std::string md = render_markdown(m, runs, tc);
    if (opt.markdown == "-") {
      std::cout << md;
    } else if (std::string why = markdown_file.commit(md); !why.empty()) {
      fmt::print(stderr, "interprobe matrix: cannot write '{}': {}\n", opt.markdown, why);
      return 2;
    }
  }
  int mismatches = 0;
  for (const ArchRun& run : runs)
    if (int n = count_mismatches(m, run.obs); n != 0) {
      fmt::print(stderr, "interprobe matrix: {}{} cell(s) differ from {}\n",
                 runs.size() > 1 ? run.arch + ": " : "", n, opt.artifacts.matrix);
      mismatches += n;
    }
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
                  "made: without --arch, a table per architecture (--arch all), and where "
                  "aarch64's cells differ from x86_64's. A document of a partial run (--variant) "
                  "says which variants it did not run. FILE's directory is checked before "
                  "anything runs. Implies --bypass: each cell says how many calls the override "
                  "missed.")
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
  cmd->add_option("--arch", opt->archs,
                  "The architecture to run (repeatable): the build machine's (x86_64), one this "
                  "build tree cross-compiles for (aarch64: its victim variants, victim_app and "
                  "libprobe.so run under qemu-user), or 'all'. The truth table is the same; cells "
                  "that differ are mismatches. Default: the build machine's; with --markdown, "
                  "'all' (an architecture this build tree has no pieces for is then reported not "
                  "run, in the document and on stderr; named by itself, it is an error).")
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
