// package.cpp — input kinds and the payload of .deb and .rpm packages through libarchive
// (package.hpp). The data.tar inside a .deb is read straight from the ar member, through a read
// callback, so neither the package nor its payload is ever written anywhere.
#include "package.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "dwarf_inlines.hpp"
#include "elf_image.hpp"

namespace interprobe::scan {

InputKind input_kind(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);  // a FIFO must not block us
  if (fd < 0) return InputKind::other;
  std::array<unsigned char, 256> head{};
  const ssize_t n = ::read(fd, head.data(), head.size());
  ::close(fd);
  if (n <= 0) return InputKind::other;
  const auto has = [&](std::string_view magic) {
    return static_cast<std::size_t>(n) >= magic.size() &&
           std::memcmp(head.data(), magic.data(), magic.size()) == 0;
  };
  if (has_elf_magic({head.data(), static_cast<std::size_t>(n)})) return InputKind::elf;
  if (has("!<arch>\n")) return InputKind::deb;
  if (has("\xed\xab\xee\xdb")) return InputKind::rpm;  // the RPM lead (rpm's lib/rpmlead.c)
  for (ssize_t i = 0; i < n; ++i) {
    if (std::strchr(" \t\r\n", head[static_cast<std::size_t>(i)]) != nullptr) continue;
    return head[static_cast<std::size_t>(i)] == '{' ? InputKind::scan_json : InputKind::other;
  }
  return InputKind::other;
}

namespace {

// Each kind's JSON key (diff --json) and its name in a sentence.
struct KindNames {
  InputKind kind;
  const char* key;
  const char* text;
};
constexpr KindNames kKindNames[] = {{InputKind::elf, "elf", "ELF file"},
                                    {InputKind::deb, "deb", "Debian package"},
                                    {InputKind::rpm, "rpm", "RPM package"},
                                    {InputKind::scan_json, "scan-json", "saved scan"},
                                    {InputKind::other, "other", "file"}};

const KindNames& names_of(InputKind kind) {
  for (const KindNames& k : kKindNames)
    if (k.kind == kind) return k;
  return kKindNames[4];
}

}  // namespace

const char* describe(InputKind kind) { return names_of(kind).text; }
const char* to_string(InputKind kind) { return names_of(kind).key; }

namespace {

namespace fs = std::filesystem;

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using Archive = std::unique_ptr<archive, ArchiveFree>;

std::string reason(archive* a) {
  const char* e = archive_error_string(a);
  return e != nullptr ? e : "unreadable archive";
}

// "./usr/lib/libz.so.1" (tar, cpio) -> "/usr/lib/libz.so.1", the path it is installed at.
std::string installed_path(std::string_view name) {
  while (name.substr(0, 2) == "./") name.remove_prefix(2);
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  return "/" + std::string(name);
}

void read_data(archive* a, archive_entry* e, std::vector<std::uint8_t>& out, const char* what) {
  if (archive_entry_size_is_set(e) != 0 && archive_entry_size(e) > 0)
    out.reserve(static_cast<std::size_t>(archive_entry_size(e)));
  std::array<std::uint8_t, 1 << 16> buf{};
  for (;;) {
    const la_ssize_t n = archive_read_data(a, buf.data(), buf.size());
    if (n == 0) return;
    if (n < 0) throw ScanError(fmt::format("cannot read the {}: {}", what, reason(a)));
    out.insert(out.end(), buf.data(), buf.data() + n);
  }
}

// The compressions packages use (deb(5): xz, zstd, gzip, bzip2, lzma; rpm: gzip, xz, zstd,
// bzip2), each decoded by libarchive itself. Not archive_read_support_filter_all: that also
// enables filters that run an external program (lrzip, lzop, grzip), which reading an input
// must never start.
void support_compressions(archive* a) {
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_filter_lzma(a);
}

// Every entry of an opened payload (tar or cpio) to the visitor.
void walk(archive* a, const PackageVisitor& v, const char* what) {
  archive_entry* e = nullptr;
  for (;;) {
    const int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF) return;
    if (r < ARCHIVE_WARN) throw ScanError(fmt::format("cannot read the {}: {}", what, reason(a)));
    const char* name = archive_entry_pathname(e);
    if (name == nullptr) continue;
    const std::string member = installed_path(name);
    const char* target = archive_entry_hardlink(e);
    // cpio (rpm) may store the data with a later link of the same file: that entry has a size.
    const bool has_data = archive_entry_size_is_set(e) != 0 && archive_entry_size(e) > 0;
    if (target != nullptr && !has_data) {
      if (v.link) v.link(member, installed_path(target));
      continue;
    }
    if (archive_entry_filetype(e) != AE_IFREG || !v.want(member)) continue;
    PackageFile f{member, {}};
    read_data(a, e, f.bytes, what);
    v.take(std::move(f));
  }
}

// The inner data.tar of a .deb, read through the outer archive's current member; the outer
// archive's reason is kept (a truncated .deb: the ar reader knows, the tar reader only fails).
struct Member {
  archive* outer;
  std::string error;
  std::array<std::uint8_t, 1 << 16> buf{};
};

la_ssize_t read_member(archive*, void* data, const void** buffer) {
  auto* m = static_cast<Member*>(data);
  *buffer = m->buf.data();
  const la_ssize_t n = archive_read_data(m->outer, m->buf.data(), m->buf.size());
  if (n < 0) m->error = reason(m->outer);
  return n;
}

void read_deb(const std::string& path, const PackageVisitor& v) {
  Archive ar(archive_read_new());
  archive_read_support_format_ar(ar.get());
  if (archive_read_open_filename(ar.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    throw ScanError(fmt::format("cannot read the Debian package: {}", reason(ar.get())));
  archive_entry* e = nullptr;
  bool first = true;
  for (;;) {
    const int r = archive_read_next_header(ar.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN)
      throw ScanError(fmt::format("cannot read the Debian package: {}", reason(ar.get())));
    const std::string name = archive_entry_pathname(e) != nullptr ? archive_entry_pathname(e) : "";
    if (first && name != "debian-binary")
      throw ScanError(
          "an ar archive, not a Debian package (its first member is not debian-binary): a static "
          "library?");
    first = false;
    if (name.rfind("data.tar", 0) != 0) continue;
    Archive tar(archive_read_new());
    support_compressions(tar.get());
    archive_read_support_format_tar(tar.get());
    auto member = std::make_unique<Member>(Member{ar.get(), {}});
    const std::string what = "Debian package's " + name;
    try {
      if (archive_read_open(tar.get(), member.get(), nullptr, read_member, nullptr) != ARCHIVE_OK)
        throw ScanError(fmt::format("cannot read the {}: {}", what, reason(tar.get())));
      walk(tar.get(), v, what.c_str());
    } catch (const ScanError&) {
      if (member->error.empty()) throw;
      throw ScanError(fmt::format("cannot read the {}: {}", what, member->error));
    }
    return;
  }
  throw ScanError(first ? "an empty ar archive, not a Debian package"
                        : "a Debian package without a data.tar member (or one cut short)");
}

void read_rpm(const std::string& path, const PackageVisitor& v) {
  Archive a(archive_read_new());
  archive_read_support_filter_rpm(a.get());  // the lead and headers, then the payload's
  support_compressions(a.get());
  archive_read_support_format_cpio(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    throw ScanError(fmt::format("cannot read the RPM package: {}", reason(a.get())));
  walk(a.get(), v, "RPM package's payload");
}

// The debug files of a directory tree (rpmbuild's %{buildroot}/usr/lib/debug by %check time,
// which holds them by path only: rpm makes the .build-id links when it packs the files).
void take_debug_files(const std::string& dir, const std::set<std::string>& ids, DebugFiles& out) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code sec;
    if (!it->is_regular_file(sec) || it->is_symlink(sec)) continue;
    const std::string file = it->path().string();
    std::string id;
    try {
      id = build_id_hex(ElfImage::open_file(file).elf());
    } catch (const ScanError&) {
      continue;  // not ELF: nothing to match
    }
    if (id.empty() || ids.count(id) == 0 || out.by_build_id.count(id) != 0) continue;
    std::ifstream in(file, std::ios::binary);
    out.by_build_id.emplace(id, DebugFiles::File{file, {std::istreambuf_iterator<char>(in), {}}});
  }
  if (ec) throw ScanError(fmt::format("{}: cannot list directory: {}", dir, ec.message()));
}

}  // namespace

void read_package(const std::string& path, InputKind kind, const PackageVisitor& visitor) {
  if (kind == InputKind::deb)
    read_deb(path, visitor);
  else if (kind == InputKind::rpm)
    read_rpm(path, visitor);
  else
    throw ScanError("not a Debian or RPM package");
}

std::shared_ptr<const DebugFiles> read_debug_packages(const std::vector<std::string>& paths,
                                                      const std::vector<std::string>& wanted) {
  auto out = std::make_shared<DebugFiles>();
  const std::set<std::string> ids(wanted.begin(), wanted.end());
  for (const std::string& path : paths) {
    const InputKind kind = input_kind(path);
    PackageVisitor v;
    v.want = [](const std::string& m) { return m.rfind("/usr/lib/debug/", 0) == 0; };
    v.take = [&](PackageFile&& f) {
      std::string id;
      try {
        id = build_id_hex(ElfImage::from_bytes(f.bytes).elf());
      } catch (const ScanError&) {
        return;  // not ELF: nothing to match
      }
      if (!id.empty() && ids.count(id) != 0 && out->by_build_id.count(id) == 0)
        out->by_build_id.emplace(id, DebugFiles::File{path + ":" + f.member, std::move(f.bytes)});
    };
    try {
      std::error_code ec;
      if (fs::is_directory(path, ec)) {
        take_debug_files(path, ids, *out);
        continue;
      }
      if (kind == InputKind::other && ::access(path.c_str(), R_OK) != 0)
        throw ScanError(fmt::format("cannot open: {}", std::strerror(errno)));
      if (kind != InputKind::deb && kind != InputKind::rpm)
        throw ScanError(kind == InputKind::other
                            ? std::string("not a Debian or RPM package")
                            : fmt::format("{} {}, not a Debian or RPM package",
                                          kind == InputKind::elf ? "an" : "a", describe(kind)));
      read_package(path, kind, v);
    } catch (const ScanError& e) {
      throw ScanError(fmt::format("{}: {}", path, e.what()));
    }
  }
  return out;
}

}  // namespace interprobe::scan
