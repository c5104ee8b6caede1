// scan_aarch64_test.cpp — the aarch64 backend (tools/scan/aarch64/backend.hpp) read from this
// x86-64 machine. What the built-in decoder makes of single words, each checked against capstone
// too; the references of a hand-assembled sequence (every rule of the adrp pairing) and that they
// do not depend on where a sweep starts; the two decoders' references on every aarch64 file at
// hand; the pairing against the pairings the linker itself records (-Wl,-q keeps the static
// relocations: R_AARCH64_ADD_ABS_LO12_NC, *_LDST*_ABS_LO12_NC, LD64_GOT_LO12_NC name the symbol
// each `add`/`ldr`/`str` completes); and sweep.hpp's exactness checks on aarch64 files.
#include <elf.h>
#include <fmt/format.h>
#include <gelf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <iostream>
#include <map>
#include <set>

#include "aarch64_files.hpp"
#include "aarch64/backend.hpp"
#include "elf_image.hpp"
#include "exec.hpp"
#include "scan_render.hpp"
#include "scanner.hpp"
#include "sweep_check.hpp"

namespace {

using namespace interprobe::scan;
using namespace interprobe::scan::checks;
using Form = aarch64::Insn::Form;

constexpr std::uint32_t x(unsigned n) { return std::uint32_t{1} << n; }

struct WordCase {
  std::uint32_t word;
  std::uint64_t address;
  Form form;
  std::uint64_t target_or_offset;
  std::uint8_t rd, rn;
  std::uint32_t writes;
  bool load_x = false, stack_load = false;
  const char* why_capstone_differs = nullptr;  // capstone 4 reads this word otherwise
};

// Words from objdump -d of the victims, libstdc++ and the cross assembler; the fields by the Arm
// ARM's encoding tables (DDI 0487, C4.1). rd/rn: 31 where the form has none or it is no general
// register (not compared then).
const WordCase kWords[] = {
    {0x90000110, 0x9f0, Form::adrp, 0x20000, 16, 31, x(16)},     // adrp x16, 20000
    {0xf00000f0, 0x9d4, Form::adrp, 0x1f000, 16, 31, x(16)},     // adrp x16, 1f000 (immlo = 3)
    {0xf9400611, 0xa04, Form::mem_imm, 8, 17, 16, x(17), true},  // ldr x17, [x16, #8]
    {0x91002210, 0xa08, Form::add_imm, 8, 16, 16, x(16)},        // add x16, x16, #0x8
    {0x914004e7, 0x106c, Form::add_imm, 0x1000, 7, 7, x(7)},     // add x7, x7, #1, lsl #12
    {0x3dc00a60, 0x1060, Form::mem_imm, 32, 31, 19, 0},          // ldr q0, [x19, #32]
    {0xb9001261, 0x1064, Form::mem_imm, 16, 1, 19, 0},           // str w1, [x19, #16]
    {0x39400020, 0x2000, Form::mem_imm, 0, 0, 1, x(0)},          // ldrb w0, [x1]
    {0x58000068, 0x1070, Form::load_literal, 0x107c, 8, 31, x(8), true},  // ldr x8, 107c
    {0x97ffa30f, 0xcdd54, Form::call, 0xb6990, 31, 31, x(30)},            // bl b6990
    {0x17fffff7, 0xd2ea0, Form::jump, 0xd2e7c, 31, 31, 0},                // b d2e7c
    {0x54000221, 0xd3c98, Form::branch, 0xd3cdc, 31, 31, 0},              // b.ne d3cdc
    {0xb4004121, 0xd3c80, Form::branch, 0xd44a4, 31, 31, 0},              // cbz x1, d44a4
    {0x362ffc63, 0x1074, Form::branch, 0x1000, 31, 31, 0},                // tbz w3, #5, 1000
    {0xd61f0220, 0xa2c, Form::branch_reg, 0, 31, 17, 0},                  // br x17
    {0xd63f00c0, 0x1030, Form::call_reg, 0, 31, 6, x(30)},                // blr x6
    {0xd65f03c0, 0x1040, Form::ret, 0, 31, 30, 0},                        // ret
    {0xa8c153f3, 0x103c, Form::other, 0, 31, 31, x(19) | x(20), false,
     true},                                                               // ldp x19, x20, [sp], #16
    {0xf9401bf7, 0xddec0, Form::mem_imm, 48, 23, 31, x(23), true, true},  // ldr x23, [sp, #48]
    {0xa9bf7bfd, 0x102c, Form::other, 0, 31, 31, 0},            // stp x29, x30, [sp, #-16]!
    {0xf8408c20, 0x2000, Form::other, 0, 31, 31, x(0) | x(1)},  // ldr x0, [x1, #8]!
    {0xaa0203e1, 0x1010, Form::other, 0, 31, 31, x(1)},         // mov x1, x2
    {0x7a400800, 0x2000, Form::other, 0, 31, 31, 0},            // ccmp w0, #0, #0, eq
    {0x9e660000, 0x2000, Form::other, 0, 31, 31, x(0)},         // fmov x0, d0
    {0x9e620000, 0x2000, Form::other, 0, 31, 31, 0},            // scvtf d0, x0
    {0x0e0c3c00, 0x2000, Form::other, 0, 31, 31, x(0)},         // mov w0, v0.s[1] (umov)
    {0x88007c20, 0x2000, Form::other, 0, 31, 31, x(0)},         // stxr w0, w0, [x1]
    {0xd53bd040, 0x2000, Form::other, 0, 31, 31, x(0)},         // mrs x0, tpidr_el0
    {0xd503245f, 0x2000, Form::other, 0, 31, 31, 0},            // bti c
    {0xd4000001, 0x2000, Form::other, 0, 31, 31, x(0), false, false,
     "capstone 4 has svc write x30 (cs_regs_access), not x0, the kernel's result"},
    {0xd503233f, 0x2000, Form::other, 0, 31, 31, x(30), false, false,
     "capstone 4 prints paciasp as `hint #0x19` and writes nothing; it signs x30 in place"},
    {0xb8200020, 0x2000, Form::other, 0, 31, 31, x(0), false, false,
     "capstone 4 does not know the v8.1 atomics (ldadd w0, w0, [x1]); objdump does"},
};

TEST(Aarch64Decode, FormsFieldsAndWritesOfSingleWords) {
  auto capstone = aarch64::make_capstone();
  auto& cs = static_cast<aarch64::Base&>(*capstone);
  for (const WordCase& c : kWords) {
    std::vector<std::pair<const char*, aarch64::Insn>> readings = {
        {"a64", aarch64::decode_a64(c.word, c.address)}};
    if (c.why_capstone_differs == nullptr) {
      aarch64::Insn in;
      cs.decode(c.word, c.address, in);
      readings.emplace_back("capstone", in);
    }
    for (auto& [who, in] : readings) {
      const std::string ctx = fmt::format("{} {:08x} at {:#x}", who, c.word, c.address);
      EXPECT_EQ(in.form, c.form) << ctx;
      const bool has_target = c.form == Form::adrp || c.form == Form::adr ||
                              c.form == Form::load_literal || c.form == Form::call ||
                              c.form == Form::jump || c.form == Form::branch;
      if (has_target) { EXPECT_EQ(in.target, c.target_or_offset) << ctx; }
      if (c.form == Form::add_imm || c.form == Form::mem_imm) {
        EXPECT_EQ(in.offset, c.target_or_offset) << ctx;
      }
      if (c.rd != 31) { EXPECT_EQ(in.rd, c.rd) << ctx; }
      if (c.rn != 31 && c.form != Form::ret) { EXPECT_EQ(in.rn, c.rn) << ctx; }
      EXPECT_EQ(in.writes, c.writes) << ctx;
      EXPECT_EQ(in.load_x, c.load_x) << ctx;
      EXPECT_EQ(in.stack_load, c.stack_load) << ctx;
    }
  }
}

// Assembled with aarch64-linux-gnu-as, linked at 0x1000 (ld -Ttext=0x1000); `objdump -D -b
// binary -maarch64 --adjust-vma=0x1000` shows each line as in the comment.
const std::uint32_t kSequence[] = {
    0x90000033,  // 1000 adrp x19, 5000
    0x9400003f,  // 1004 bl 1100: clobbers x0-x18 and x30, not x19
    0x91004260,  // 1008 add x0, x19, #0x10          -> 5010
    0xb0000021,  // 100c adrp x1, 6000
    0xaa0203e1,  // 1010 mov x1, x2: x1 no longer holds the page
    0xf9400423,  // 1014 ldr x3, [x1, #8]            -> nothing
    0xd0000022,  // 1018 adrp x2, 7000
    0x94000039,  // 101c bl 1100: clobbers x2
    0xf9400444,  // 1020 ldr x4, [x2, #8]            -> nothing
    0xf0000025,  // 1024 adrp x5, 8000
    0xf94008a6,  // 1028 ldr x6, [x5, #16]           -> 8010, branched to: call_via_slot
    0xa9bf7bfd,  // 102c stp x29, x30, [sp, #-16]!
    0xd63f00c0,  // 1030 blr x6
    0x90000054,  // 1034 adrp x20, 9000
    0xb4000060,  // 1038 cbz x0, 1044
    0xa8c153f3,  // 103c ldp x19, x20, [sp], #16: an epilogue's reloads
    0xd65f03c0,  // 1040 ret
    0x91008280,  // 1044 add x0, x20, #0x20          -> 9020 (the cbz's path keeps x20)
    0xb0000041,  // 1048 adrp x1, a000
    0xd65f03c0,  // 104c ret
    0x91002020,  // 1050 add x0, x1, #0x8: after a return no branch leads to: x1 is an argument
    0xd0000050,  // 1054 adrp x16, b000
    0x91010210,  // 1058 add x16, x16, #0x40         -> b040, branched to: a jump (veneer)
    0xd61f0200,  // 105c br x16
    0x3dc00a60,  // 1060 ldr q0, [x19, #32]          -> 5020 (callee-saved x19 carries on)
    0xb9001261,  // 1064 str w1, [x19, #16]          -> 5010
    0xf0000047,  // 1068 adrp x7, c000
    0x914004e7,  // 106c add x7, x7, #0x1, lsl #12   -> d000
    0x58000068,  // 1070 ldr x8, 107c                -> 107c (literal)
    0x362ffc63,  // 1074 tbz w3, #5, 1000
    0x54fffc41,  // 1078 b.ne 1000
    0x00000000,  // 107c .quad 0 (udf)
};

std::vector<std::uint8_t> bytes_of(std::span<const std::uint32_t> words) {
  std::vector<std::uint8_t> b(words.size() * 4);
  std::memcpy(b.data(), words.data(), b.size());
  return b;
}

TEST(Aarch64Sweep, PairsAdrpWithTheInstructionsThatCompleteItsAddress) {
  const std::vector<std::uint8_t> code = bytes_of(kSequence);
  const int call = 0, jump = 1, call_via_slot = 2, address = 4;
  const std::vector<Key> want = {
      {0x1004, 0x1100, call},          {0x1008, 0x5010, address}, {0x101c, 0x1100, call},
      {0x1028, 0x8010, call_via_slot}, {0x1038, 0x1044, jump},    {0x1044, 0x9020, address},
      {0x1058, 0xb040, jump},          {0x1060, 0x5020, address}, {0x1064, 0x5010, address},
      {0x106c, 0xd000, address},       {0x1070, 0x107c, address}, {0x1074, 0x1000, jump},
      {0x1078, 0x1000, jump}};
  const std::vector<CodeRange> ranges = {{code, 0x1000}};
  for (Decoder d : {Decoder::standard, Decoder::capstone}) {
    EXPECT_EQ(single_sweep(ranges, EM_AARCH64, d), want) << decoder_name(EM_AARCH64, d);
    // A sweep from any cut reports what the single sweep reports from there: the pages the
    // instructions before the cut left are read again, not carried over.
    for (std::size_t cut = 0; cut <= code.size(); ++cut) {
      std::vector<Key> got;
      chunked(ranges, EM_AARCH64, std::vector<Chunk>{{0, 0, cut}, {0, cut, code.size()}}, d, 2,
              got);
      EXPECT_EQ(got, want) << decoder_name(EM_AARCH64, d) << ", cut at offset " << cut;
    }
  }
}

TEST(Aarch64Sweep, AnAdrpPairsWithinAWindowOfInstructions) {
  // adrp x19, 5000 at 0x1000, n nops, add x0, x19, #0x10: paired up to kWindow (512) apart.
  for (std::size_t n : {0, 100, 510, 511, 600, 5000}) {
    std::vector<std::uint32_t> words = {0x90000033};
    words.insert(words.end(), n, 0xd503201f);
    words.push_back(0x91004260);
    const std::vector<std::uint8_t> code = bytes_of(words);
    const std::vector<Key> paired = {{0x1000 + 4 * (n + 1), 0x5010, 4}};
    for (Decoder d : {Decoder::standard, Decoder::capstone})
      EXPECT_EQ(single_sweep({{CodeRange{code, 0x1000}}}, EM_AARCH64, d),
                n < 512 ? paired : std::vector<Key>{})
          << n << " nops, " << decoder_name(EM_AARCH64, d);
  }
}

std::vector<std::string> every_aarch64_file() {
  std::vector<std::string> files = aarch64_variants();
  for (auto& f : cross_libraries()) files.push_back(f);
  if (have_debian_arm64()) files.insert(files.end(), {kArm64Libpython, kArm64Libz});
  files.push_back(std::string(TEST_PAIRING_DIR) + "/libstdcxx-gnu-ld.so");
  files.push_back(std::string(TEST_PAIRING_DIR) + "/libgtest-clang-lld.so");
  return files;
}

// The built-in decoder and capstone read every word with no decoding code in common; the
// references they lead to must be the same, PLT included, and so must the whole scan.
TEST(Aarch64Decoders, SameReferencesAndScanOnEveryAarch64File) {
  for (const std::string& f : every_aarch64_file()) {
    Code c = code_of(f);
    ASSERT_EQ(c.info.machine, EM_AARCH64) << f;
    const std::vector<Key> a64 = single_sweep(c.ranges, EM_AARCH64, Decoder::standard);
    EXPECT_GT(a64.size(), 50u) << f;
    EXPECT_EQ(a64, single_sweep(c.ranges, EM_AARCH64, Decoder::capstone)) << f;
    ScanOptions built_in, capstone;
    capstone.decoder = Decoder::capstone;
    const LibraryReport r = scan_file(f, built_in);
    ASSERT_TRUE(r.error.empty()) << f << ": " << r.error;
    EXPECT_EQ(r.facts.machine, "aarch64");
    EXPECT_EQ(render_json({r}), render_json({scan_file(f, capstone)})) << f;
  }
}

// The pairings the linker recorded: -Wl,-q (--emit-relocs) keeps each input's relocations in the
// output, with the final symbol values. For every `add`/`ldr`/`str` the linker resolved against a
// symbol (ADD_ABS_LO12_NC 277, LDST8/16/32/64/128_ABS_LO12_NC 278/284/285/286/299) the sweep must
// report that instruction with the symbol's address; for a GOT access (LD64_GOT_LO12_NC 312,
// LD64_GOTPAGE_LO15 313) a slot of .got (or, if the linker relaxed it to an add, the symbol).
// No pairing may be reported where the linker recorded none.
struct PairingScore {
  std::size_t relocs = 0, found = 0, wrong = 0, extra = 0;
};

PairingScore score_pairing(const std::string& path, Decoder d) {
  Code c = code_of(path);
  Elf* elf = c.image.elf();
  std::size_t shstrndx = 0;
  elf_getshdrstrndx(elf, &shstrndx);
  std::vector<GElf_Sym> syms;
  std::uint64_t got_lo = 0, got_hi = 0;
  for (Elf_Scn* s = elf_nextscn(elf, nullptr); s != nullptr; s = elf_nextscn(elf, s)) {
    GElf_Shdr sh;
    gelf_getshdr(s, &sh);
    if (sh.sh_type == SHT_SYMTAB) {
      Elf_Data* data = elf_getdata(s, nullptr);
      for (std::size_t i = 0; i < sh.sh_size / sh.sh_entsize; ++i)
        gelf_getsym(data, static_cast<int>(i), &syms.emplace_back());
    }
    if (std::string(elf_strptr(elf, shstrndx, sh.sh_name)) == ".got")
      std::tie(got_lo, got_hi) = std::pair(sh.sh_addr, sh.sh_addr + sh.sh_size);
  }
  const Section* text = c.info.section(".text");
  std::map<std::uint64_t, std::pair<std::uint32_t, std::uint64_t>> lo12;  // site: type, S + A
  std::set<std::uint64_t> other;                                          // other relocations
  for (Elf_Scn* s = elf_nextscn(elf, nullptr); s != nullptr; s = elf_nextscn(elf, s)) {
    GElf_Shdr sh, target;
    gelf_getshdr(s, &sh);
    if (sh.sh_type != SHT_RELA || (sh.sh_flags & SHF_ALLOC) != 0) continue;
    gelf_getshdr(elf_getscn(elf, sh.sh_info), &target);
    if (target.sh_addr != text->addr) continue;
    Elf_Data* data = elf_getdata(s, nullptr);
    for (std::size_t i = 0; i < sh.sh_size / sh.sh_entsize; ++i) {
      GElf_Rela r;
      gelf_getrela(data, static_cast<int>(i), &r);
      const std::uint32_t type = GELF_R_TYPE(r.r_info);
      const std::uint64_t value = syms.at(GELF_R_SYM(r.r_info)).st_value + r.r_addend;
      if (type == 277 || type == 278 || (type >= 284 && type <= 286) || type == 299 ||
          type == 312 || type == 313)
        lo12[r.r_offset] = {type, value};
      else
        other.insert(r.r_offset);
    }
  }
  std::map<std::uint64_t, std::uint64_t> reported;  // the pairings the sweep reported: site, target
  for (const Key& k : single_sweep({{CodeRange{text->data, text->addr}}}, EM_AARCH64, d)) {
    const std::uint64_t site = std::get<0>(k);
    std::uint32_t w;
    std::memcpy(&w, text->data.data() + (site - text->addr), 4);
    const Form f = aarch64::decode_a64(w, site).form;
    if (f == Form::add_imm || f == Form::mem_imm) reported[site] = std::get<1>(k);
  }
  PairingScore out;
  for (auto& [site, want] : lo12) {
    ++out.relocs;
    auto it = reported.find(site);
    if (it == reported.end()) continue;
    const bool got_access = want.first == 312 || want.first == 313;
    const bool right =
        it->second == want.second || (got_access && it->second >= got_lo && it->second < got_hi);
    ++(right ? out.found : out.wrong);
    if (!right)
      ADD_FAILURE() << path << ": "
                    << fmt::format(
                           "{:#x} paired to {:#x}, the linker's "
                           "relocation (type {}) says {:#x}",
                           site, it->second, want.first, want.second);
  }
  for (auto& [site, target] : reported)
    if (lo12.count(site) == 0 && other.count(site) == 0) {
      ++out.extra;
      ADD_FAILURE() << path << ": "
                    << fmt::format("{:#x} paired to {:#x} with no relocation there", site, target);
    }
  return out;
}

// What is missed is the pairings a linear sweep cannot see: an exception landing pad (entered by
// the unwinder, from no branch) that uses a page a callee-saved register got long before, a path
// joined from a branch further back than the window. Measured: GNU ld's libstdc++ 99.4%, clang's
// googletest 99.97% (docs/SCAN.md).
TEST(Aarch64Pairing, AgreesWithThePairingsTheLinkerRecorded) {
  for (const char* lib : {"libstdcxx-gnu-ld.so", "libgtest-clang-lld.so"}) {
    const std::string path = std::string(TEST_PAIRING_DIR) + "/" + lib;
    for (Decoder d : {Decoder::standard, Decoder::capstone}) {
      const PairingScore s = score_pairing(path, d);
      std::cout << lib << " " << decoder_name(EM_AARCH64, d) << ": " << s.relocs
                << " lo12 relocations, " << s.found << " paired right, " << s.wrong << " wrong, "
                << s.extra << " pairings without a relocation\n";
      EXPECT_GT(s.relocs, 2000u) << path;
      EXPECT_EQ(s.wrong, 0u) << path;
      EXPECT_EQ(s.extra, 0u) << path;
      EXPECT_GE(s.found, s.relocs * 99 / 100) << path << ": fewer than 99% found";
    }
  }
}

// sweep.hpp's exactness (chunks cut at entries, blind cuts, 1-3 threads) on aarch64 files: an A64
// instruction is 4 aligned bytes, so a blind cut that is not 4-aligned is always swept again, and
// one that is must give the single sweep's pairings by reading the window before it.
TEST(Aarch64Sweep, ChunksGiveTheSingleSweepsReferences) {
  for (const std::string& v : aarch64_variants()) expect_chunked_equals_single(v, 13);
  for (const std::string& f : cross_libraries()) expect_chunked_equals_single(f, 4099);
  if (have_debian_arm64()) expect_chunked_equals_single(kArm64Libpython, 4099);
}

TEST(Aarch64Sweep, TheScanDoesNotDependOnTheNumberOfThreads) {
  std::vector<std::string> files = aarch64_variants();
  files.push_back(cross_libraries().front());
  if (have_debian_arm64()) files.push_back(kArm64Libpython);
  for (const std::string& f : files) expect_scan_independent_of_threads(f);
}

// The commands, as a packager runs them on an arm64 build: scan names the machine and the BTI
// note, diff exits 1 when -fno-semantic-interposition binds calls, check's static half passes.
TEST(Aarch64Commands, ScanDiffAndCheckOnAarch64Files) {
  const interprobe::Env env = interprobe::without_probe(interprobe::current_environment());
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), TEST_INTERPROBE);
    return interprobe::exec(args, env);
  };
  auto scan = run({"scan", aarch64_variant("gcc-bti")});
  EXPECT_EQ(scan.exit_status, 0) << scan.err;
  EXPECT_NE(scan.out.find("(aarch64, SONAME libvictim.so.1)"), std::string::npos) << scan.out;
  EXPECT_NE(scan.out.find(", BTI yes,"), std::string::npos) << scan.out;
  auto diff = run({"diff", aarch64_variant("gcc-O2"), aarch64_variant("gcc-O2-nosi")});
  EXPECT_EQ(diff.exit_status, 1) << diff.out << diff.err;
  // Both of its callers' PLT calls became direct `bl`s (x86-64 gives the same).
  EXPECT_NE(diff.out.find("victim_noinline_touch                    fully lost      interposable "
                          "sites 2 -> 0  (→ direct 2)"),
            std::string::npos)
      << diff.out;
  auto check = run({"check", "--library", aarch64_variant("gcc-Bsymbolic-functions"), "--symbols",
                    "victim_err_occurred", "--expect", "bound"});
  EXPECT_EQ(check.exit_status, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("found bound — ok"), std::string::npos) << check.out;
}

}  // namespace
