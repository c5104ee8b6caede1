// package_builder.hpp — real packages for the package tests: .deb files made with dpkg-deb, .rpm
// files made with rpmbuild (a -debuginfo one by rpm's own find-debuginfo), from the victim
// variants; and the commands the tests run. The tools are found at configure time
// (tests/CMakeLists.txt); scripts/install-deps.sh installs them (dpkg-dev, rpm, elfutils).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_helpers.hpp"
#include "exec.hpp"
#include "scratch.hpp"

namespace package_test {

namespace fs = std::filesystem;
using interprobe::ExecResult;
using nlohmann::json;

using cli_helpers::victim;

inline ExecResult run(const std::vector<std::string>& args,
                      const interprobe::Env& env = interprobe::current_environment()) {
  interprobe::ExecOptions o;
  o.timeout = std::chrono::seconds(120);
  return interprobe::exec(args, env, o);
}

// A build tool that must exist and succeed; its output goes into the failure message.
inline bool ok(const std::vector<std::string>& args) {
  if (args.front().empty()) {
    ADD_FAILURE() << "a packaging tool was not found at configure time: scripts/install-deps.sh "
                     "installs dpkg-dev, rpm and elfutils";
    return false;
  }
  const ExecResult r = run(args);
  EXPECT_EQ(r.exit_status, 0) << args.front() << ": " << r.describe() << "\n" << r.out << r.err;
  return r.exited && r.exit_status == 0;
}

using cli_helpers::cmd;

// `interprobe COMMAND --json ARGS...`, which must exit with `status`, parsed.
inline json interprobe_json(std::vector<std::string> args, int status) {
  args.insert(args.begin() + 1, "--json");
  const ExecResult r = cmd(args);
  EXPECT_EQ(r.exit_status, status) << r.err;
  try {
    return json::parse(r.out);
  } catch (const json::exception& e) {
    ADD_FAILURE() << e.what() << "\n" << r.out << r.err;
    return json::object();
  }
}

// A test's own directory under the scratch directory, removed when the test passed (kept for a
// look when it failed).
struct Cleanup {
  fs::path dir;
  ~Cleanup() {
    if (!::testing::Test::HasFailure()) fs::remove_all(dir);
  }
};

inline fs::path work_dir(const std::string& name) {
  const fs::path d = scratch_dir() / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

inline void put(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

// A binary package with `files` (installed path -> source file) and `links` (installed path ->
// target), built by dpkg-deb with `compression` (xz, zstd, gzip).
inline std::string make_deb(const fs::path& dir, const std::string& name,
                            const std::map<std::string, std::string>& files,
                            const std::map<std::string, std::string>& links = {},
                            const std::string& compression = "xz") {
  const fs::path root = dir / (name + "-root");
  put(root / "DEBIAN/control", "Package: " + name +
                                   "\nVersion: 1.0-1\nArchitecture: amd64\nMaintainer: interprobe "
                                   "tests <tests@example.org>\nDescription: test package\n");
  for (auto& [to, from] : files) {
    fs::create_directories((root / to.substr(1)).parent_path());
    fs::copy_file(from, root / to.substr(1), fs::copy_options::overwrite_existing);
  }
  for (auto& [at, target] : links) fs::create_symlink(target, root / at.substr(1));
  const std::string deb = (dir / (name + ".deb")).string();
  ok({TEST_DPKG_DEB, "--root-owner-group", "-Z" + compression, "--build", root.string(), deb});
  return deb;
}

// The victim as Debian's dh_strip leaves it: the debug file by build ID in a -dbgsym package
// (objcopy --only-keep-debug --compress-debug-sections), the library stripped
// (--remove-section=.comment --remove-section=.note --strip-unneeded) with a .gnu_debuglink.
// debhelper's dh_strip runs these commands; debhelper itself is not needed for it.
struct StrippedDeb {
  std::string deb, dbgsym;
};
inline StrippedDeb make_stripped_deb(const fs::path& dir, const std::string& variant) {
  const ExecResult id =
      run({"/bin/sh", "-c", "readelf -n '" + victim(variant) + "' | sed -n 's/.*Build ID: //p'"});
  std::string build_id = id.out.substr(0, id.out.find('\n'));
  EXPECT_EQ(build_id.size(), 40u) << id.out << id.err;
  if (build_id.size() < 3) return {};
  const fs::path lib = dir / (variant + "-stripped.so"), dbg = dir / (variant + ".debug");
  ok({TEST_OBJCOPY, "--only-keep-debug", "--compress-debug-sections", victim(variant),
      dbg.string()});
  ok({TEST_STRIP, "--remove-section=.comment", "--remove-section=.note", "--strip-unneeded", "-o",
      lib.string(), victim(variant)});
  ok({TEST_OBJCOPY, "--add-gnu-debuglink=" + dbg.string(), lib.string()});
  StrippedDeb out;
  out.deb = make_deb(dir, "libvictim1-" + variant,
                     {{"/usr/lib/x86_64-linux-gnu/libvictim.so.1.0", lib.string()}});
  out.dbgsym = make_deb(
      dir, "libvictim1-dbgsym-" + variant,
      {{"/usr/lib/debug/.build-id/" + build_id.substr(0, 2) + "/" + build_id.substr(2) + ".debug",
        dbg.string()}});
  return out;
}

// An .rpm of the victim's `variant` built by rpmbuild in `dir`: the library at
// %{_libdir}/`installed` (with the libvictim.so.1 link beside libvictim.so.1.0); with `debuginfo`,
// rpm's find-debuginfo strips it and makes the -debuginfo package, as Fedora's builds do;
// `preamble` goes among the spec's tags, `extra` after %files (a %check section). The .rpm files
// made, the main package first. --nodeps: Debian's rpm database knows no package.
struct RpmSpec {
  fs::path dir;
  std::string variant;
  bool debuginfo = false;
  std::string payload;  // _binary_payload: "" rpm's default (gzip), "w19.zstdio" Fedora's
  std::string preamble, extra;
  std::string installed = "libvictim.so.1.0";
  fs::path top() const { return dir / ("rpm-" + variant); }
};
struct RpmBuild {
  ExecResult result;
  std::vector<std::string> rpms;
};
inline RpmBuild build_rpm(const RpmSpec& r,
                          const interprobe::Env& env = interprobe::current_environment()) {
  const std::string spec = (r.dir / (r.variant + ".spec")).string();
  const bool link = r.installed == "libvictim.so.1.0";
  put(spec, std::string(r.debuginfo ? "%global _enable_debug_packages 1\n"
                                    : "%global debug_package %{nil}\n"
                                      "%global __os_install_post %{nil}\n") +
                "Name: libvictim\nVersion: 1.0\nRelease: 1\nSummary: test package\n"
                "License: MIT\n" +
                r.preamble + "\n%description\ntest package\n" +
                (r.debuginfo ? "%debug_package\n" : "") +
                "%install\nmkdir -p %{buildroot}%{_libdir}\n"
                "cp " +
                victim(r.variant) + " %{buildroot}%{_libdir}/" + r.installed + "\n" +
                (link ? "ln -s libvictim.so.1.0 %{buildroot}%{_libdir}/libvictim.so.1\n" : "") +
                "%files\n%{_libdir}/" + r.installed + "\n" +
                (link ? "%{_libdir}/libvictim.so.1\n" : "") + r.extra);
  RpmBuild out;
  if (std::string(TEST_RPMBUILD).empty()) {
    ADD_FAILURE() << "rpmbuild was not found at configure time: scripts/install-deps.sh installs "
                     "rpm and elfutils (find-debuginfo needs eu-strip)";
    return out;
  }
  std::vector<std::string> args = {TEST_RPMBUILD, "-bb", "--nodeps", "--define",
                                   "_topdir " + r.top().string()};
  if (!r.payload.empty()) args.insert(args.end(), {"--define", "_binary_payload " + r.payload});
  args.push_back(spec);
  out.result = run(args, env);
  if (!fs::exists(r.top() / "RPMS")) return out;
  for (auto& e : fs::recursive_directory_iterator(r.top() / "RPMS"))
    if (e.path().extension() == ".rpm") out.rpms.push_back(e.path().string());
  std::sort(out.rpms.begin(), out.rpms.end());
  std::stable_partition(out.rpms.begin(), out.rpms.end(), [](const std::string& p) {
    return p.find("-debuginfo-") == std::string::npos;  // the -debuginfo package last
  });
  return out;
}

inline std::vector<std::string> make_rpm(const fs::path& dir, const std::string& variant,
                                         bool debuginfo, const std::string& payload = "") {
  RpmSpec spec;
  spec.dir = dir;
  spec.variant = variant;
  spec.debuginfo = debuginfo;
  spec.payload = payload;
  const RpmBuild b = build_rpm(spec);
  EXPECT_EQ(b.result.exit_status, 0) << b.result.describe() << "\n" << b.result.out << b.result.err;
  return b.result.exit_status == 0 ? b.rpms : std::vector<std::string>{};
}

// A diff's library entry without its sides (paths differ between packages and files).
inline json without_sides(json lib) {
  lib.erase("old");
  lib.erase("new");
  return lib;
}

}  // namespace package_test
