// package_snippets_test.cpp — the debian/rules and RPM %check blocks of docs/PACKAGING.md, run as
// they are written there (read from the file, not copied here): with the victim's default build
// as the released package (its saved scan the baseline) and its -fno-semantic-interposition build
// as the new one, the package build fails on the new losses, and passes once they are accepted.
#include <gtest/gtest.h>

#include "package_builder.hpp"

namespace {

using namespace package_test;

// The fenced block after `<!-- tests/scan/package_snippets_test.cpp runs this block: NAME -->`.
std::string documented(const std::string& name) {
  std::ifstream in(std::string(TEST_SOURCE_DIR) + "/docs/PACKAGING.md");
  const std::string doc{std::istreambuf_iterator<char>(in), {}};
  const std::string marker =
      "<!-- tests/scan/package_snippets_test.cpp runs this block: " + name + " -->\n```";
  const auto at = doc.find(marker);
  if (at == std::string::npos) {
    ADD_FAILURE() << "docs/PACKAGING.md has no block " << name;
    return "";
  }
  const auto begin = doc.find('\n', at + marker.size()) + 1;
  return doc.substr(begin, doc.find("```\n", begin) - begin);
}

// The lost symbols' names, one a line: an --accept file that accepts every loss.
std::string every_loss(const std::string& old_side, const std::string& new_side) {
  const json d = interprobe_json({"diff", old_side, new_side}, 1);
  std::string names;
  for (auto& c : d["libraries"][0]["lost"])
    names += c["name"].get<std::string>() + "  # accepted by the test\n";
  return names;
}

interprobe::Env with_interprobe_on_path(const fs::path& more) {
  interprobe::Env env = interprobe::current_environment();
  env["PATH"] =
      more.string() + ":" + fs::path(TEST_INTERPROBE).parent_path().string() + ":" + env["PATH"];
  return env;
}

// make -f debian/rules override_dh_auto_test in a source tree whose build directory holds the
// new libfoo.so.1. dh_auto_test is debhelper's own test step: this package has no other tests, so
// a stand-in that succeeds (debhelper need not be installed).
TEST(PackageSnippets, DebianRulesFailOnANewLossUntilItIsAccepted) {
  const fs::path dir = work_dir("debian-rules");
  const Cleanup cleanup{dir};
  const std::string rules = documented("debian-rules");
  ASSERT_NE(rules.find("override_dh_auto_test:"), std::string::npos) << rules;
  put(dir / "debian/rules", rules);
  put(dir / "bin/dh_auto_test", "#!/bin/sh\nexit 0\n");
  fs::permissions(dir / "bin/dh_auto_test", fs::perms::owner_all);
  const std::string shipped =
      make_deb(dir, "libfoo1", {{"/usr/lib/x86_64-linux-gnu/libfoo.so.1", victim("gcc-O2")}});
  const ExecResult scan = cmd({"scan", "--json", shipped});
  ASSERT_EQ(scan.exit_status, 0) << scan.err;
  put(dir / "debian/interprobe-baseline.json", scan.out);
  put(dir / "debian/interprobe-accept", "# nothing accepted yet\n");
  const fs::path built = dir / "obj-x86_64-linux-gnu/libfoo.so.1";
  fs::create_directories(built.parent_path());
  const interprobe::Env env = with_interprobe_on_path(dir / "bin");
  const auto make = [&](const std::string& variant, const std::string& options = "") {
    fs::copy_file(victim(variant), built, fs::copy_options::overwrite_existing);
    return run({TEST_MAKE, "-C", dir.string(), "-f", "debian/rules", "override_dh_auto_test",
                "DEB_HOST_GNU_TYPE=x86_64-linux-gnu", "DEB_BUILD_OPTIONS=" + options},
               env);
  };
  const ExecResult same = make("gcc-O2");
  EXPECT_EQ(same.exit_status, 0) << same.out << same.err;
  const ExecResult lost = make("gcc-O2-nosi");
  EXPECT_EQ(lost.exit_status, 2) << "make's status for a failed recipe\n" << lost.out << lost.err;
  EXPECT_NE(lost.out.find("LD_PRELOAD users lose 5 symbol(s)"), std::string::npos) << lost.out;
  EXPECT_EQ(make("gcc-O2-nosi", "nocheck").exit_status, 0);
  put(dir / "debian/interprobe-accept", every_loss(victim("gcc-O2"), victim("gcc-O2-nosi")));
  const ExecResult accepted = make("gcc-O2-nosi");
  EXPECT_EQ(accepted.exit_status, 0) << accepted.out << accepted.err;
  EXPECT_NE(accepted.out.find("Waived: 5 lost symbol(s)"), std::string::npos) << accepted.out;
}

// rpmbuild -bb of a spec with the documented tags and %check: the released package and its
// -debuginfo (find-debuginfo) make the baseline; the new build is stripped by find-debuginfo
// before %check, which finds its DWARF in the buildroot's /usr/lib/debug (--debug-package DIR:
// no .build-id links there yet, so --debug-dir would not).
TEST(PackageSnippets, RpmCheckFailsOnANewLossUntilItIsAccepted) {
  const fs::path dir = work_dir("rpm-check");
  const Cleanup cleanup{dir};
  const std::string block = documented("rpm-check");
  const auto check = block.find("%check");
  ASSERT_NE(check, std::string::npos) << block;
  const std::vector<std::string> shipped = make_rpm(dir / "shipped", "gcc-O2", true);
  ASSERT_EQ(shipped.size(), 2u);
  RpmSpec spec;
  spec.dir = dir;
  spec.variant = "gcc-O2-nosi";
  spec.debuginfo = true;
  spec.preamble = block.substr(0, check);
  spec.extra = block.substr(check);
  spec.installed = "libfoo.so.1";
  const ExecResult scan =
      cmd({"scan", "--json", shipped[0], "--debug-package", shipped[1]});
  ASSERT_EQ(scan.exit_status, 0) << scan.err;
  put(spec.top() / "SOURCES/interprobe-baseline.json", scan.out);
  put(spec.top() / "SOURCES/interprobe-accept", "# nothing accepted yet\n");
  const interprobe::Env env = with_interprobe_on_path(dir);
  const RpmBuild lost = build_rpm(spec, env);
  EXPECT_EQ(lost.result.exit_status, 1) << lost.result.out << lost.result.err;
  EXPECT_NE(lost.result.err.find("(%check)"), std::string::npos) << lost.result.err;
  // All five: the stripped library's DWARF was found in the buildroot (without it the three
  // inlined calls only vanish: two lost, the --debug-dir of an earlier draft of the block).
  EXPECT_NE(lost.result.out.find("LD_PRELOAD users lose 5 symbol(s)"), std::string::npos)
      << lost.result.out;
  put(spec.top() / "SOURCES/interprobe-accept",
      every_loss(victim("gcc-O2"), victim("gcc-O2-nosi")));
  const RpmBuild accepted = build_rpm(spec, env);
  EXPECT_EQ(accepted.result.exit_status, 0) << accepted.result.out << accepted.result.err;
  EXPECT_NE(accepted.result.out.find("Waived: 5 lost symbol(s)"), std::string::npos)
      << accepted.result.out;
  EXPECT_EQ(accepted.rpms.size(), 2u);
}

}  // namespace
