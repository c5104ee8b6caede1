// package.hpp — what kind of input a named file is (an ELF file, a Debian or RPM package, a saved
// `scan --json`), and the files inside a package, read with libarchive in memory: nothing is
// unpacked to disk. A .deb is an ar archive whose data.tar.{xz,zst,gz,bz2} holds the files (its
// first member must be debian-binary, deb(5)); an .rpm is a lead and headers followed by a cpio
// payload (gzip, xz or zstd), which libarchive's rpm filter reaches. Members are named by their
// installed path ("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13": the archives' "./" dropped).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace interprobe::scan {

enum class InputKind : std::uint8_t { elf, deb, rpm, scan_json, other };
// From the file's first bytes: ELF magic; "!<arch>\n" (a .deb, or another ar archive, which
// read_package refuses); the RPM lead magic ed ab ee db; '{' after white space (a saved scan).
// `other` for anything else and for a file that cannot be read (the ELF reader then says why).
InputKind input_kind(const std::string& path);
// "ELF file", "Debian package", "RPM package", "saved scan", "file"; and the JSON key: "elf",
// "deb", "rpm", "scan-json", "other".
const char* describe(InputKind kind);
const char* to_string(InputKind kind);

// One regular file of a package's payload.
struct PackageFile {
  std::string member;  // the installed path, "/lib/x86_64-linux-gnu/libz.so.1.2.13"
  std::vector<std::uint8_t> bytes;
};

struct PackageVisitor {
  // Whether to read this member's bytes (false: skipped without decompressing into memory).
  std::function<bool(const std::string& member)> want;
  std::function<void(PackageFile&& file)> take;
  // A hard link `member` to the earlier member `target` (tar stores the data once).
  std::function<void(const std::string& member, const std::string& target)> link;
};

// Reads the payload of a package (kind deb or rpm), calling `visitor` for every regular file and
// hard link in archive order. Throws ScanError with one line: not a Debian package (an ar
// archive without debian-binary first, e.g. a static library), no data.tar member, a truncated
// or corrupt archive (libarchive's reason).
void read_package(const std::string& path, InputKind kind, const PackageVisitor& visitor);

// Separate debug files read from debug packages (Debian's -dbgsym .deb, Fedora's -debuginfo
// .rpm), by GNU build ID in lowercase hex: the scanner takes a stripped library's debug file from
// here before it looks in --debug-dir (dwarf_inlines.hpp, open_debug_file).
struct DebugFiles {
  struct File {
    std::string path;  // "libfoo1-dbgsym.deb:/usr/lib/debug/.build-id/ab/cdef.debug"
    std::vector<std::uint8_t> bytes;
  };
  std::map<std::string, File> by_build_id;
};

// The ELF files under /usr/lib/debug/ of each package whose build ID is in `wanted` (the
// libraries to be scanned: a debug package of a whole source package holds many, and only those
// are kept in memory). Every regular file is matched by its own build ID, so Debian's
// .build-id/xx/rest.debug and Fedora's /usr/lib/debug/usr/lib64/libfoo.so.1-1.0.debug (with
// .build-id symbolic links to it, which are not followed) are both found. A directory instead of
// a package: the ELF files anywhere in it, matched the same way (rpmbuild's buildroot
// /usr/lib/debug at %check time has no .build-id links yet). Throws ScanError ("PATH: reason")
// for a file that is not a package or cannot be read.
std::shared_ptr<const DebugFiles> read_debug_packages(const std::vector<std::string>& paths,
                                                      const std::vector<std::string>& wanted);

}  // namespace interprobe::scan
