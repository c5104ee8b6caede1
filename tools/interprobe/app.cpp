// app.cpp — the whole `interprobe` command line in one place (commands.hpp), and the pieces of
// text that depend on where this interprobe runs from: defaults and documentation paths.
#include <fmt/format.h>

#include <filesystem>
#include <system_error>

#include "commands.hpp"

namespace interprobe::cli {

namespace {

namespace fs = std::filesystem;

bool g_documenting = false;

// The installed documentation beside this executable (GNUInstallDirs, fixed at configure time
// as a path relative to bin/, like libprobe.so's: tools/process/artifacts.cpp), else the source
// tree, when run from a build tree. Both hold README.md and docs/.
fs::path doc_root() {
  if (g_documenting) return INTERPROBE_INSTALL_FULL_DOCDIR;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = (exe.parent_path() / INTERPROBE_DOC_FROM_BINDIR).lexically_normal();
    if (fs::is_regular_file(installed / "README.md", ec)) return installed;
  }
  return INTERPROBE_SOURCE_DIR;
}

// Per subcommand: its one-line summary (the man page's NAME line), its exit statuses, one rule
// for all (0 ok, 1 a difference found, 2 bad usage or input; `run` passes its command's
// through), and its page of the documentation. Every --help (and man page) ends with the last
// two; the docs/ pages state the same statuses.
struct Doc {
  const char* name;
  const char* summary;
  const char* exit;
  const char* page;
};
const Doc kDocs[] = {
    {"matrix",
     "Observe which LD_PRELOAD overrides take effect in each build of the specimen library",
     "0 every cell observed agrees with victim/matrix.json; 1 a cell differs; 2 bad usage or "
     "a missing piece (nothing runs)",
     "docs/cli/matrix.md"},
    {"shim", "Generate a preload library that counts the calls of any library's functions",
     "0 the shim was written; 2 bad input (nothing is written)", "docs/cli/shim.md"},
    {"scan", "Tell from a shared library's file which of its own calls an override can take",
     "0 every file was scanned; 2 a file or package could not be scanned or is not a shared "
     "library (one line each on stderr; the others are still scanned and printed)",
     "docs/SCAN.md"},
    {"diff", "Compare two builds of a shared library: what LD_PRELOAD users lose",
     "0 nothing lost, or only symbols --accept waives (stale waivers are a warning); 1 some "
     "symbol lost internal interposability; 2 bad input (a file that is not a shared library, "
     "package or saved scan, a package without a library, an --accept line that is not one "
     "word, no library paired by SONAME, or two libraries that export no symbol of the same "
     "name)",
     "docs/SCAN.md"},
    {"run", "Run a command under the probe (or a shim for a library) and report its calls",
     "the command's (128+N if it was killed by signal N; 127 not found; 126 not executable); "
     "2 bad usage or input (the command is not run), or with --shim-for a command that never "
     "loaded LIB",
     "docs/cli/run.md"},
    {"check", "Check that overrides of a library's functions reach (or miss) its own calls",
     "0 as expected; 1 not as expected (with what was found and why it matters); 2 bad input "
     "or nothing checked",
     "docs/cli/check.md"}};

int g_status = 0;

}  // namespace

int exit_status() { return g_status; }
void set_exit_status(int status) { g_status = status; }

bool documenting() { return g_documenting; }
void set_documenting(bool on) { g_documenting = on; }

CLI::Option* with_default(CLI::Option* option, const std::string& rule) {
  if (!g_documenting) return option->capture_default_str();
  return option->description(fmt::format("{} Default: {}.", option->get_description(), rule));
}

std::string default_text(const std::string& found, const std::string& rule) {
  return g_documenting ? rule : found;
}

std::string command_summary(const std::string& name) {
  for (const Doc& d : kDocs)
    if (name == d.name) return d.summary;
  return "";
}

std::string see_also(const std::string& page, const std::string& man_page) {
  return fmt::format("Documentation: {} and `man {}`.", (doc_root() / page).string(), man_page);
}

void add_all_commands(CLI::App& app) {
  app.name("interprobe");
  app.description(
      "interprobe — which LD_PRELOAD overrides take effect in a program, and which a shared "
      "library's build flags silently bypass.");
  app.set_version_flag("--version", std::string(INTERPROBE_VERSION));
  app.require_subcommand(1);
  add_matrix_command(app);
  add_shim_command(app);
  add_scan_command(app);
  add_diff_command(app);
  add_run_command(app);
  add_check_command(app);
  for (const Doc& d : kDocs) {
    CLI::App* sub = app.get_subcommand(d.name);
    const std::string own = sub->get_footer();
    sub->footer(fmt::format("{}Exit status: {}.\n{}", own.empty() ? "" : own + "\n", d.exit,
                            see_also(d.page, std::string("interprobe-") + d.name)));
  }
  app.footer(fmt::format(
      "Exit status: 0 success; 1 the check or comparison found a difference (matrix, check, "
      "diff); 2 bad usage or input; run passes its command's status through. `interprobe help "
      "COMMAND` is `interprobe COMMAND --help`.\n{}",
      see_also("README.md", "interprobe")));
}

}  // namespace interprobe::cli
