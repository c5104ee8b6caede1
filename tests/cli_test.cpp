// cli_test.cpp — the interprobe command: usage errors, the matrix check, and that
// docs/DRAWBACKS.md is what `interprobe matrix --markdown` generates today.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "exec.hpp"

namespace {

using namespace interprobe;

ExecResult interprobe_cmd(std::vector<std::string> args) {
  args.insert(args.begin(), TEST_INTERPROBE);
  return exec(args, current_environment());
}

// Drops the toolchain line, the one part of the document that depends on the machine.
std::string without_toolchain_line(const std::string& doc) {
  std::istringstream in(doc);
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Toolchain:", 0) != 0) out += line + "\n";
  return out;
}

TEST(Cli, HelpAndVersion) {
  auto help = interprobe_cmd({"--help"});
  EXPECT_EQ(help.exit_status, 0);
  EXPECT_NE(help.out.find("matrix"), std::string::npos) << help.out;
  auto sub = interprobe_cmd({"matrix", "--help"});
  EXPECT_EQ(sub.exit_status, 0);
  EXPECT_NE(sub.out.find("--markdown"), std::string::npos) << sub.out;
  EXPECT_EQ(interprobe_cmd({"--version"}).exit_status, 0);
}

TEST(Cli, UnknownOptionOrSubcommandIsAUsageError) {
  auto r = interprobe_cmd({"matrix", "--no-such-option"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("--no-such-option"), std::string::npos) << r.err;
  EXPECT_EQ(interprobe_cmd({"no-such-command"}).exit_status, 2);
  EXPECT_EQ(interprobe_cmd({}).exit_status, 2);
}

TEST(Cli, UnknownVariantIsNamed) {
  auto r = interprobe_cmd({"matrix", "--variant", "gcc-O9"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("gcc-O9"), std::string::npos) << r.err;
}

TEST(Cli, MissingMatrixFileIsNamed) {
  auto r = interprobe_cmd({"matrix", "--matrix", "/nonexistent.json"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("/nonexistent.json"), std::string::npos) << r.err;
}

TEST(Cli, MatrixAgreesWithTheTable) {
  auto r = interprobe_cmd({"matrix"});
  EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("gcc-O2-nosi"), std::string::npos);
}

TEST(DrawbacksDoc, IsUpToDate) {
  auto r = interprobe_cmd({"matrix", "--quiet", "--markdown", "-"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  std::ifstream in(std::string(TEST_SOURCE_DIR) + "/docs/DRAWBACKS.md");
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_EQ(without_toolchain_line(doc.str()), without_toolchain_line(r.out))
      << "docs/DRAWBACKS.md is stale: run `build/bin/interprobe matrix --markdown docs/DRAWBACKS.md`";
}

}  // namespace
