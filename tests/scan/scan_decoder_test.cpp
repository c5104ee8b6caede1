// scan_decoder_test.cpp — the proof that the two x86-64 decoders (Zydis, the default, and
// capstone) are interchangeable: on every victim variant, the DWARF fixtures and real Debian
// libraries (libz, libpython3.11, libcrypto), both must report the same code references (site,
// target and kind of each, in every executable section, PLT included) and the same scan results.
// libcrypto is the one file where the references differ (instructions capstone 4 does not know,
// tables inside .text); there objdump is asked which decoder is right.
// A hand-assembled byte string pins what both must find, including the forms where a ModRM
// mod=00 rm=101 byte names no RIP-relative memory (EIP-relative with 0x67, `mov %cr0, %rbp`).
#include <elf.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <tuple>
#include <vector>

#include "architecture.hpp"
#include "elf_image.hpp"
#include "exec.hpp"
#include "scan_render.hpp"
#include "scanner.hpp"

namespace {

using namespace interprobe::scan;
namespace fs = std::filesystem;

struct Collect final : RefSink {
  std::vector<CodeRef> refs;
  void on_ref(const CodeRef& r) override { refs.push_back(r); }
};

std::string fmt_ref(const CodeRef& r) {
  static const char* kinds[] = {"call", "jump", "call_via_slot", "jump_via_slot", "address"};
  return fmt::format("{:#x} {} {:#x}", r.site, kinds[static_cast<int>(r.kind)], r.target);
}

bool same(const CodeRef& a, const CodeRef& b) {
  return a.site == b.site && a.target == b.target && a.kind == b.kind;
}

std::vector<CodeRef> refs_of(Decoder d, std::span<const std::uint8_t> code, std::uint64_t addr) {
  Collect c;
  make_architecture(EM_X86_64, d)->find_references(code, addr, c);
  return c.refs;
}

// Instruction start addresses in one section as binutils' objdump (a third decoder) sees them.
std::set<std::uint64_t> objdump_starts(const std::string& path, const std::string& section) {
  interprobe::ExecResult r =
      interprobe::exec({"objdump", "-d", "--no-show-raw-insn", "-j", section, path},
                       interprobe::current_environment());
  EXPECT_TRUE(r.exited && r.exit_status == 0) << "objdump " << path << ": " << r.describe();
  std::set<std::uint64_t> starts;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    std::size_t colon = line.find(":\t");
    if (colon == std::string::npos || line.rfind("  ", 0) != 0) continue;
    starts.insert(std::stoull(line.substr(0, colon), nullptr, 16));
  }
  return starts;
}

// How the decoders' references compare in one file. Where they differ, objdump (binutils, a third
// decoder) is asked whether each reference only one decoder reports sits at an instruction start.
struct RefComparison {
  std::size_t total = 0;  // Zydis's references
  std::size_t zydis_only = 0, zydis_only_at_start = 0;
  std::size_t capstone_only = 0, capstone_only_at_start = 0;
};

RefComparison compare_refs(const std::string& path) {
  ElfImage img = ElfImage::open_file(path);
  ElfInfo info = read_elf(img);
  RefComparison out;
  auto key = [](const CodeRef& r) {
    return std::tuple(r.site, r.target, static_cast<int>(r.kind));
  };
  for (const Section& s : info.sections) {
    if (!s.executable()) continue;
    auto z = refs_of(Decoder::standard, s.data, s.addr);
    auto c = refs_of(Decoder::capstone, s.data, s.addr);
    out.total += z.size();
    if (std::equal(z.begin(), z.end(), c.begin(), c.end(), same)) continue;
    std::set<std::tuple<std::uint64_t, std::uint64_t, int>> zs, cs;
    for (auto& r : z) zs.insert(key(r));
    for (auto& r : c) cs.insert(key(r));
    const auto starts = objdump_starts(path, s.name);
    for (auto& r : z) {
      if (cs.count(key(r)) != 0) continue;
      ++out.zydis_only;
      out.zydis_only_at_start += starts.count(r.site);
    }
    for (auto& r : c) {
      if (zs.count(key(r)) != 0) continue;
      ++out.capstone_only;
      out.capstone_only_at_start += starts.count(r.site);
    }
  }
  return out;
}

void expect_same_scan(const std::string& path) {
  ScanOptions oz, oc;
  oz.decoder = Decoder::standard;
  oc.decoder = Decoder::capstone;
  LibraryReport z = scan_file(path, oz), c = scan_file(path, oc);
  ASSERT_TRUE(z.error.empty()) << path << ": " << z.error;
  EXPECT_EQ(render_json({z}), render_json({c})) << path;
}

TEST(ScanDecoders, HandAssembledFormsGiveTheSameKnownReferences) {
  // objdump -D -b binary -mi386:x86-64 --adjust-vma=0x1000 shows each line's comment.
  const std::vector<std::uint8_t> code = {
      0x48, 0x8d, 0x05, 0x10, 0,    0,    0,        // 1000 lea 0x10(%rip),%rax -> 0x1017
      0x67, 0x48, 0x8d, 0x05, 0x10, 0,    0,    0,  // 1007 lea 0x10(%eip),%rax: not RIP-relative
      0x0f, 0x20, 0x05,                             // 100f mov %cr0,%rbp: mod is ignored, no memory
      0xe8, 0x00, 0x01, 0,    0,                    // 1012 call 0x1117
      0xff, 0x25, 0x08, 0,    0,    0,              // 1017 jmp *0x8(%rip) -> slot 0x1025
      0xff, 0x15, 0xf8, 0xff, 0xff, 0xff,           // 101d call *-0x8(%rip) -> slot 0x101b
      0x48, 0x8b, 0x05, 0xf0, 0xff, 0xff, 0xff,     // 1023 mov -0x10(%rip),%rax -> 0x101a
      0xc7, 0x05, 0x04, 0,    0,    0,    0x01, 0, 0, 0,  // 102a movl $1,0x4(%rip) -> 0x1038
      0x06,                                               // 1034 (bad): skipped
      0x62, 0xf1, 0x7c, 0x48, 0x28, 0x05, 0x40, 0, 0, 0,  // 1035 vmovaps 0x40(%rip),%zmm0
      0x74, 0xfe,                                         // 103f je 0x103f
      0xf3, 0x0f, 0x1e, 0xfa,                             // 1041 endbr64
      0x0f, 0x85, 0,    0,    0,    0,                    // 1045 jne 0x104b
      0xc3};
  const std::vector<CodeRef> want = {
      {0x1000, 0x1017, RefKind::address},       {0x1012, 0x1117, RefKind::call},
      {0x1017, 0x1025, RefKind::jump_via_slot}, {0x101d, 0x101b, RefKind::call_via_slot},
      {0x1023, 0x101a, RefKind::address},       {0x102a, 0x1038, RefKind::address},
      {0x1035, 0x107f, RefKind::address},       {0x103f, 0x103f, RefKind::jump},
      {0x1045, 0x104b, RefKind::jump}};
  for (Decoder d : {Decoder::standard, Decoder::capstone}) {
    auto got = refs_of(d, code, 0x1000);
    ASSERT_EQ(got.size(), want.size()) << decoder_name(EM_X86_64, d);
    for (std::size_t i = 0; i < want.size(); ++i)
      EXPECT_TRUE(same(got[i], want[i])) << decoder_name(EM_X86_64, d) << " #" << i << ": " << fmt_ref(got[i]);
  }
}

TEST(ScanDecoders, SameReferencesAndResultsOnEveryVictimVariant) {
  std::size_t variants = 0;
  for (auto& e : fs::directory_iterator(TEST_VARIANTS)) {
    const std::string lib = e.path().string() + "/libvictim.so.1";
    if (!fs::exists(lib)) continue;
    ++variants;
    RefComparison c = compare_refs(lib);
    EXPECT_GT(c.total, 10u) << lib;
    EXPECT_EQ(c.zydis_only + c.capstone_only, 0u) << lib;
    expect_same_scan(lib);
  }
  EXPECT_GE(variants, 16u);
  for (const char* kind : {"default", "nosi"})
    expect_same_scan(std::string(TEST_SCAN_FIXTURES) + "/" + kind + "/libinline.so");
}

TEST(ScanDecoders, SameReferencesAndResultsOnDebianLibraries) {
  // All three come from packages scripts/install-deps.sh installs (zlib1g, libpython3.11, libssl3).
  const char* dir = "/usr/lib/x86_64-linux-gnu/";
  for (const char* name : {"libz.so.1", "libpython3.11.so.1.0", "libcrypto.so.3"}) {
    const std::string lib = std::string(dir) + name;
    ASSERT_TRUE(fs::exists(lib)) << lib << " missing: run scripts/install-deps.sh";
    RefComparison c = compare_refs(lib);
    // Thousands of references: a decoder that found nothing would not pass by agreeing.
    EXPECT_GT(c.total, 1000u) << lib;
    std::cout << name << ": " << c.total << " references; only zydis " << c.zydis_only << " ("
              << c.zydis_only_at_start << " at objdump instruction starts), only capstone "
              << c.capstone_only << " (" << c.capstone_only_at_start << ")\n";
    if (std::string(name) != "libcrypto.so.3") {
      EXPECT_EQ(c.zydis_only + c.capstone_only, 0u) << lib;
    } else {
      // OpenSSL's perlasm code differs for two reasons: capstone 4 does not know AVX-512 IFMA
      // (`vpmadd52luq`, RSA code) and resynchronises inside the following instructions, and
      // constant tables sit in .text, where every decoder reads garbage its own way. So: few
      // differences, and objdump mostly sides with Zydis (which knows IFMA) and rarely with
      // capstone. None of them touches an exported symbol: the scan results are the same.
      EXPECT_LT((c.zydis_only + c.capstone_only) * 100, c.total) << lib;
      EXPECT_GT(c.zydis_only_at_start * 2, c.zydis_only) << lib;
      EXPECT_LT(c.capstone_only_at_start * 4, c.capstone_only) << lib;
    }
    expect_same_scan(lib);
  }
}

}  // namespace
