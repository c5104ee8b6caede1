// man_main.cpp — the build-time man page generator: `interprobe_man DIR COMMAND...` writes
// DIR/interprobe.1 and DIR/interprobe-COMMAND.1 from the CLI definitions (man_page.hpp). The
// COMMAND list is the one tools/CMakeLists.txt declares as outputs; if it differs from the
// registered subcommands the build fails, rather than install a stale or missing page.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "commands.hpp"
#include "man_page.hpp"

namespace {

bool write(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (out) return true;
  fmt::print(stderr, "interprobe_man: cannot write {}\n", file.string());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: interprobe_man DIR COMMAND...\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const std::set<std::string> declared(argv + 2, argv + argc);
  interprobe::cli::set_documenting(true);
  CLI::App app;
  interprobe::cli::add_all_commands(app);
  std::set<std::string> registered;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    registered.insert(sub->get_name());
  if (registered != declared) {
    fmt::print(stderr,
               "interprobe_man: tools/CMakeLists.txt declares the commands {} but interprobe has "
               "{}: update INTERPROBE_COMMANDS\n",
               declared, registered);
    return 1;
  }
  std::filesystem::create_directories(dir);
  bool ok = write(dir / "interprobe.1", interprobe::cli::top_man_page(app, INTERPROBE_VERSION));
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    ok = write(dir / ("interprobe-" + sub->get_name() + ".1"),
               interprobe::cli::command_man_page(app, *sub, INTERPROBE_VERSION)) &&
         ok;
  return ok ? 0 : 1;
}
