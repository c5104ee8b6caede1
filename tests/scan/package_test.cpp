// package_test.cpp — `interprobe scan` and `diff` on real packages (issue 17): .deb files built
// with dpkg-deb and .rpm files built with rpmbuild from the victim's default (gcc-O2) and
// -fno-semantic-interposition (gcc-O2-nosi) builds diff like the libraries inside; Debian's own
// zlib1g .deb scans like the installed libz; a saved scan is the baseline; debug packages are
// matched by build ID; a broken package is one line and exit 2; and the documented debian/rules
// and %check blocks run as written (one file: each test file costs CI a gtest compile).
#include <gtest/gtest.h>

#include "package_builder.hpp"

namespace {

using namespace package_test;

const std::string kDebLib = "/usr/lib/x86_64-linux-gnu/libvictim.so.1.0";
const std::string kDebLink = "/usr/lib/x86_64-linux-gnu/libvictim.so.1";

// The victim's two builds in each format: xz and zstd .deb (Debian's and Ubuntu's defaults), gzip
// and zstd .rpm (rpm's and Fedora's); a README and the SONAME link beside the library, and, in the
// nosi .deb, a second library (Debian's libz) with no partner in the other package.
struct Packages {
  std::string deb_o2, deb_nosi, rpm_o2, rpm_nosi;
};
Packages make_packages(const fs::path& dir) {
  put(dir / "README", "not a library\n");
  Packages p;
  p.deb_o2 = make_deb(
      dir, "o2",
      {{kDebLib, victim("gcc-O2")}, {"/usr/share/doc/v/README", (dir / "README").string()}},
      {{kDebLink, "libvictim.so.1.0"}});
  p.deb_nosi = make_deb(
      dir, "nosi",
      {{kDebLib, victim("gcc-O2-nosi")}, {"/usr/lib/x86_64-linux-gnu/libz.so.1", TEST_ZLIB_SO}},
      {{kDebLink, "libvictim.so.1.0"}}, "zstd");
  auto o2 = make_rpm(dir, "gcc-O2", false),
       nosi = make_rpm(dir, "gcc-O2-nosi", false, "w19.zstdio");
  if (!o2.empty()) p.rpm_o2 = o2.front();
  if (!nosi.empty()) p.rpm_nosi = nosi.front();
  return p;
}

TEST(Packages, TwoPackagesDiffLikeTheLibrariesInside) {
  const fs::path dir = work_dir("diff");
  const Cleanup cleanup{dir};
  const Packages p = make_packages(dir);
  ASSERT_FALSE(p.rpm_nosi.empty());
  const json libs = interprobe_json({"diff", victim("gcc-O2"), victim("gcc-O2-nosi")}, 1);
  ASSERT_EQ(libs["libraries"].size(), 1u);
  const json want = without_sides(libs["libraries"][0]);
  EXPECT_EQ(want["summary"]["lost"], 5) << "the victim's nosi losses: scan_unit_test.cpp";
  for (auto [a, b] : {std::pair{p.deb_o2, p.deb_nosi}, std::pair{p.rpm_o2, p.rpm_nosi},
                      std::pair{p.deb_o2, p.rpm_nosi}, std::pair{p.rpm_o2, p.deb_nosi}}) {
    const json d = interprobe_json({"diff", a, b}, 1);
    ASSERT_EQ(d["libraries"].size(), 1u) << a << " " << b;
    EXPECT_EQ(without_sides(d["libraries"][0]), want) << a << " " << b;
    EXPECT_EQ(d["libraries"][0]["soname"], "libvictim.so.1");
    EXPECT_EQ(d["libraries"][0]["old"]["file"], a);
    EXPECT_EQ(d["summary"]["lost"], 5);
    // libz, only in the nosi .deb, is named, not compared.
    EXPECT_EQ(d["unpaired"]["new"].size(), b == p.deb_nosi ? 1u : 0u) << d["unpaired"];
  }
  const json rpm = interprobe_json({"diff", p.rpm_o2, p.rpm_nosi}, 1);
  EXPECT_EQ(rpm["libraries"][0]["old"]["member"], "/usr/lib64/libvictim.so.1.0");
  EXPECT_EQ(rpm["old"]["kind"], "rpm");

  // Text and Markdown name the member paths; Markdown has the libraries' table rows.
  const ExecResult text = cmd({"diff", p.deb_o2, p.deb_nosi});
  EXPECT_EQ(text.exit_status, 1);
  EXPECT_NE(
      text.out.find("OLD " + p.deb_o2 + " (Debian package, 1 shared library)\nNEW " + p.deb_nosi +
                    " (Debian package, 2 shared libraries)\n\n== "
                    "libvictim.so.1\nOLD " +
                    p.deb_o2 + ":" + kDebLib + "\n"),
      std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("Only in NEW: " + p.deb_nosi +
                          ":/usr/lib/x86_64-linux-gnu/libz.so.1 (libz.so.1), not compared"),
            std::string::npos)
      << text.out;
  const auto rows = [](const std::string& md) {
    std::string r;
    for (std::size_t at = 0; (at = md.find("\n| `", at)) != std::string::npos; ++at)
      r += md.substr(at, md.find('\n', at + 1) - at);
    return r;
  };
  const ExecResult md = cmd({"diff", "--markdown", p.rpm_o2, p.rpm_nosi});
  const ExecResult md_libs = cmd({"diff", "--markdown", victim("gcc-O2"), victim("gcc-O2-nosi")});
  EXPECT_EQ(md.exit_status, 1);
  EXPECT_NE(
      md.out.find("### `libvictim.so.1`\n\n`" + p.rpm_o2 + ":/usr/lib64/libvictim.so.1.0` → `"),
      std::string::npos)
      << md.out;
  EXPECT_FALSE(rows(md_libs.out).empty()) << md_libs.out;
  EXPECT_EQ(rows(md.out), rows(md_libs.out)) << md.out;

  // scan lists the library, not the link, the README or anything else.
  const json scan = interprobe_json({"scan", p.deb_o2}, 0);
  ASSERT_EQ(scan["libraries"].size(), 1u);
  EXPECT_EQ(scan["libraries"][0]["path"], p.deb_o2 + ":" + kDebLib);
}

// The cached zlib1g .deb is the installed version's (scripts/install-deps.sh fetches it with
// apt-get download): scanned in memory it is the installed file, but for its name.
TEST(Packages, DebiansZlibDebScansLikeTheInstalledLibrary) {
  const ExecResult v = run({"dpkg-query", "-W", "-f=${Version} ${Architecture}", "zlib1g"});
  ASSERT_EQ(v.exit_status, 0) << v.err;
  std::string version = v.out.substr(0, v.out.find(' ')), arch = v.out.substr(v.out.find(' ') + 1);
  std::string quoted = version;
  if (auto colon = quoted.find(':'); colon != std::string::npos) quoted.replace(colon, 1, "%3a");
  const std::string deb = std::string(TEST_HOST_DEBS) + "/zlib1g_" + quoted + "_" + arch + ".deb";
  ASSERT_TRUE(fs::exists(deb)) << deb << " not found: scripts/install-deps.sh downloads the "
                               << "installed zlib1g's .deb there (CMake: INTERPROBE_HOST_DEBS)";
  json from_deb = interprobe_json({"scan", deb}, 0);
  json from_file = interprobe_json({"scan", "/lib/x86_64-linux-gnu/libz.so.1"}, 0);
  ASSERT_EQ(from_deb["libraries"].size(), 1u) << from_deb;
  json& a = from_deb["libraries"][0];
  json& b = from_file["libraries"][0];
  EXPECT_EQ(a["member"], "/lib/x86_64-linux-gnu/libz.so.1.2.13");
  EXPECT_EQ(a["build_id"], b["build_id"]) << "the .deb does not hold the installed libz";
  EXPECT_GT(a["symbols"].size(), 80u);
  for (json* j : {&a, &b})
    for (const char* key : {"path", "file", "member"}) j->erase(key);
  EXPECT_EQ(a, b);
}

// The baseline: a saved scan of the shipped package diffs clean against it and, against the
// next build, like the package itself; accepting every lost symbol exits 0.
TEST(Packages, ASavedScanOfAPackageIsItsBaseline) {
  const fs::path dir = work_dir("baseline");
  const Cleanup cleanup{dir};
  const Packages p = make_packages(dir);
  ASSERT_FALSE(p.rpm_o2.empty());
  for (auto [shipped, next] : {std::pair{p.deb_o2, p.deb_nosi}, std::pair{p.rpm_o2, p.rpm_nosi}}) {
    const ExecResult scan = cmd({"scan", "--json", shipped});
    ASSERT_EQ(scan.exit_status, 0) << scan.err;
    const std::string base = (dir / (fs::path(shipped).stem().string() + ".json")).string();
    put(base, scan.out);
    const json clean = interprobe_json({"diff", base, shipped}, 0);
    EXPECT_EQ(clean["summary"]["lost"], 0);
    EXPECT_EQ(clean["libraries"][0]["other"], json::array()) << "the same build: nothing changed";
    const json from_base = interprobe_json({"diff", base, next}, 1);
    const json from_package = interprobe_json({"diff", shipped, next}, 1);
    EXPECT_EQ(from_base["libraries"], from_package["libraries"]);
    EXPECT_EQ(from_base["libraries"][0]["old"]["file"], shipped);
    std::string accept = "# every loss of the nosi build, by name\n";
    for (auto& c : from_base["libraries"][0]["lost"]) accept += c["name"].get<std::string>() + "\n";
    put(dir / "accept", accept);
    const json waived =
        interprobe_json({"diff", "--accept", (dir / "accept").string(), base, next}, 0);
    EXPECT_EQ(waived["summary"]["lost"], 0);
    EXPECT_EQ(waived["summary"]["waived"], 5);
    EXPECT_EQ(waived["status"], 0);
  }
}

// Stripped libraries and their debug packages: Debian's layout made with dh_strip's commands,
// Fedora's made by rpm's find-debuginfo (the file under /usr/lib/debug/usr/lib64/, .build-id
// links to it). With them, the diff is the unstripped libraries' (the DWARF records inlined calls);
// without, the inlined losses are only "vanished".
TEST(Packages, DebugPackagesAreMatchedByBuildId) {
  const fs::path dir = work_dir("debug");
  const Cleanup cleanup{dir};
  const StrippedDeb nosi = make_stripped_deb(dir, "gcc-O2-nosi");
  const std::vector<std::string> o2 = make_rpm(dir, "gcc-O2", /*debuginfo=*/true);
  ASSERT_EQ(o2.size(), 2u) << "libvictim and libvictim-debuginfo";
  ASSERT_NE(o2[1].find("-debuginfo-"), std::string::npos);

  const json stripped = interprobe_json({"scan", nosi.deb}, 0);
  EXPECT_EQ(stripped["libraries"][0]["facts"]["dwarf"], false);
  const json scan = interprobe_json({"scan", nosi.deb, "--debug-package", nosi.dbgsym}, 0);
  const json& lib = scan["libraries"][0];
  EXPECT_EQ(lib["facts"]["debug_file"].get<std::string>().rfind(
                nosi.dbgsym + ":/usr/lib/debug/.build-id/", 0),
            0u)
      << lib["facts"];
  EXPECT_EQ(lib["facts"]["callers_from"], "debug-symtab");
  const json unstripped = interprobe_json({"scan", victim("gcc-O2-nosi")}, 0);
  EXPECT_EQ(lib["symbols"], unstripped["libraries"][0]["symbols"]);
  EXPECT_EQ(lib["inlined_into"], unstripped["libraries"][0]["inlined_into"]);

  const json rpm = interprobe_json({"scan", o2[0], "--debug-package", o2[1]}, 0);
  EXPECT_EQ(rpm["libraries"][0]["facts"]["debug_file"],
            o2[1] + ":/usr/lib/debug/usr/lib64/libvictim.so.1.0-1.0-1.x86_64.debug");

  const json want = interprobe_json({"diff", victim("gcc-O2"), victim("gcc-O2-nosi")}, 1);
  const json got = interprobe_json(
      {"diff", o2[0], nosi.deb, "--debug-package", o2[1], "--debug-package", nosi.dbgsym}, 1);
  EXPECT_EQ(got["libraries"][0]["lost"], want["libraries"][0]["lost"]);
  const json blind = interprobe_json({"diff", "--debug-dir", "", o2[0], nosi.deb}, 1);
  EXPECT_LT(blind["summary"]["lost"], want["summary"]["lost"]);
  EXPECT_GT(blind["summary"]["vanished"], 0);

  const ExecResult unused = cmd({"scan", "--summary", nosi.deb, "--debug-package", o2[1]});
  EXPECT_EQ(unused.exit_status, 0);
  EXPECT_EQ(unused.err, "interprobe scan: warning: " + o2[1] +
                            ": no debug file in it has the build ID of a library scanned\n");
}

// One line each, exit 2: what is wrong with the package.
TEST(Packages, ABrokenPackageIsOneLine) {
  const fs::path dir = work_dir("broken");
  const Cleanup cleanup{dir};
  const Packages p = make_packages(dir);
  std::ifstream in(p.deb_o2, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), {}};
  put(dir / "cut.deb", bytes.substr(0, bytes.size() / 2));
  const std::string doc_only =
      make_deb(dir, "doc", {{"/usr/share/doc/v/README", (dir / "README").string()}});
  ASSERT_TRUE(ok({"ar", "rc", (dir / "libfoo.a").string(), (dir / "README").string()}));
  const std::map<std::string, std::string> want = {
      {(dir / "cut.deb").string(),
       ": cannot read the Debian package's data.tar.xz: Truncated ar archive"},
      {(dir / "libfoo.a").string(),
       ": an ar archive, not a Debian package (its first member is "
       "not debian-binary): a static library?"}};
  for (auto& [file, why] : want) {
    const ExecResult r = cmd({"scan", file});
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_EQ(r.err, "interprobe scan: " + file + why + "\n");
    const ExecResult d = cmd({"diff", p.deb_o2, file});
    EXPECT_EQ(d.exit_status, 2);
    EXPECT_EQ(d.err, "interprobe diff: " + file + why + "\n");
    EXPECT_EQ(d.out, "");
  }
  const ExecResult none = cmd({"diff", p.deb_o2, doc_only});
  EXPECT_EQ(none.exit_status, 2);
  EXPECT_EQ(none.err,
            "interprobe diff: " + doc_only + ": no shared library in the Debian package\n");
  const ExecResult bad_debug = cmd({"scan", p.deb_o2, "--debug-package", victim("gcc-O2")});
  EXPECT_EQ(bad_debug.exit_status, 2);
  EXPECT_EQ(bad_debug.err, "interprobe scan: " + victim("gcc-O2") +
                               ": an ELF file, not a Debian or RPM package\n");
}

// --- The debian/rules and RPM %check blocks of docs/PACKAGING.md, run as they are written there
// (read from the file, not copied here): with the victim's default build as the released package
// (its saved scan the baseline) and its -fno-semantic-interposition build as the new one, the
// package build fails on the new losses, and passes once they are accepted.

// The fenced block after `<!-- tests/scan/package_test.cpp runs this block: NAME -->`.
std::string documented(const std::string& name) {
  std::ifstream in(std::string(TEST_SOURCE_DIR) + "/docs/PACKAGING.md");
  const std::string doc{std::istreambuf_iterator<char>(in), {}};
  const std::string marker =
      "<!-- tests/scan/package_test.cpp runs this block: " + name + " -->\n```";
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
  const ExecResult scan = cmd({"scan", "--json", shipped[0], "--debug-package", shipped[1]});
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
