// scan_unit_test.cpp — the scanner's pieces on real ELF files: the victim variants (whose build
// flags make each fact appear or vanish), a DWARF fixture, stripped copies, and a corpus of
// truncated and corrupted files generated from a victim, each of which must give a clean
// one-line error (never a crash).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "batch.hpp"
#include "diff.hpp"
#include "elf_image.hpp"
#include "exec.hpp"
#include "matrix.hpp"
#include "scan_helpers.hpp"
#include "scan_render.hpp"
#include "scanner.hpp"
#include "scratch.hpp"

namespace {

using namespace interprobe::scan;
using namespace scan_helpers;
namespace fs = std::filesystem;

std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(ScanElf, JumpSlotAgainstTheAccessorInTheDefaultBuild) {
  // gcc -O2: victim_check_result, victim_check_result_xtu and victim_interp_loop (the benchmark's
  // interpreter-shaped loop) call victim_err_occurred@plt.
  auto r = scan_ok(victim("gcc-O2"));
  const auto& s = sym(r, "victim_err_occurred");
  EXPECT_EQ(s.jump_slot, 1u);
  EXPECT_EQ(s.got_sites, 3u);  // the three callers' `call victim_err_occurred@plt`
  EXPECT_EQ(s.direct_sites, 0u);
  EXPECT_EQ(s.verdict, SymVerdict::interposable);
  EXPECT_FALSE(r.facts.dt_symbolic);
  EXPECT_TRUE(r.facts.has_symtab);
  EXPECT_TRUE(r.facts.has_dwarf);  // the variants are built with -g
  EXPECT_EQ(r.facts.localalias, 0u);
}

TEST(ScanElf, BsymbolicFunctionsLeavesNoJumpSlotButDirectCalls) {
  auto r = scan_ok(victim("gcc-Bsymbolic-functions"));
  const auto& s = sym(r, "victim_err_occurred");
  EXPECT_EQ(s.preemptible_relocs(), 0u);
  EXPECT_EQ(s.direct_sites, 3u);  // ld rewrote all three PLT calls into direct calls
  EXPECT_EQ(s.verdict, SymVerdict::bound);
  // STT_GNU_IFUNC is not STT_FUNC: its JUMP_SLOT stays, and it is interposable.
  EXPECT_EQ(sym(r, "victim_ifunc_fn").jump_slot, 1u);
  EXPECT_EQ(sym(r, "victim_ifunc_fn").verdict, SymVerdict::interposable);
  EXPECT_EQ(sym(r, "victim_exported_var").glob_dat, 1u);  // data is not bound by it
}

TEST(ScanElf, BsymbolicSetsDtSymbolicAndBindsTheIfuncsJumpSlot) {
  auto r = scan_ok(victim("gcc-Bsymbolic"));
  EXPECT_TRUE(r.facts.dt_symbolic);
  const auto& s = sym(r, "victim_ifunc_fn");
  EXPECT_EQ(s.jump_slot, 1u);        // ld cannot bind an ifunc at link time...
  EXPECT_TRUE(s.preemptible_bound);  // ...but ld.so looks in a DT_SYMBOLIC library first
  EXPECT_EQ(s.verdict, SymVerdict::bound);
}

TEST(ScanElf, NosiLeavesLocalAliasesAndDirectCalls) {
  auto r = scan_ok(victim("gcc-O2-nosi"));
  EXPECT_GE(r.facts.localalias, 1u);
  // call victim_noinline_touch.localalias, from victim_run_noinline and victim_interp_loop
  EXPECT_EQ(sym(r, "victim_noinline_touch").direct_sites, 2u);
  EXPECT_EQ(sym(r, "victim_noinline_touch").verdict, SymVerdict::bound);
  EXPECT_EQ(sym(r, "victim_err_occurred").jump_slot, 1u);  // the other file's call stays @plt
}

TEST(ScanElf, ProtectedSymbolsAreNeverPreemptible) {
  auto r = scan_ok(victim("gcc-protected"));
  EXPECT_GE(r.facts.protected_symbols, 7u);
  for (auto& s : r.symbols) {
    EXPECT_EQ(s.visibility, "protected") << s.name;
    EXPECT_NE(s.verdict, SymVerdict::interposable) << s.name;
  }
}

TEST(ScanElf, CetHasPltSecAndNoPltHasGotCallsAndBindNow) {
  auto cet = scan_ok(victim("gcc-cet"));
  EXPECT_TRUE(cet.facts.plt_sec);
  EXPECT_EQ(sym(cet, "victim_err_occurred").got_sites, 3u);  // calls land on .plt.sec stubs
  auto noplt = scan_ok(victim("gcc-noplt-now"));
  EXPECT_TRUE(noplt.facts.bind_now);
  EXPECT_GT(noplt.facts.got_calls, 0u);
  EXPECT_EQ(sym(noplt, "victim_err_occurred").got_sites, 3u);  // call *victim_err_occurred@GOTPCREL
}

TEST(ScanElf, ClangNosiTakesTheAddressWithLea) {
  auto r = scan_ok(victim("clang-O2-nosi"));
  const auto& s = sym(r, "victim_fnptr_target");
  EXPECT_EQ(s.preemptible_relocs(), 0u);
  EXPECT_GE(s.address_sites, 1u);  // lea victim_fnptr_target(%rip)
  EXPECT_EQ(s.verdict, SymVerdict::bound);
}

TEST(ScanElf, LtoTurnsTheWeakDefinitionGlobal) {
  EXPECT_EQ(sym(scan_ok(victim("gcc-O2")), "victim_weak_fn").binding, "weak");
  EXPECT_EQ(sym(scan_ok(victim("gcc-lto")), "victim_weak_fn").binding, "global");
}

// GNU symbol versions, against binutils: every exported symbol of libc (memcpy@GLIBC_2.2.5 and
// memcpy@@GLIBC_2.14, GLIBC_PRIVATE) and libz (ZLIB_1.2.x, and unversioned ones) must be named as
// `readelf --dyn-syms -W` names it, entry by entry.
TEST(ScanElf, SymbolVersionsAreReadelfs) {
  for (const char* lib : {"/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libz.so.1"}) {
    interprobe::ExecResult r =
        interprobe::exec({"readelf", "--dyn-syms", "-W", lib}, interprobe::current_environment());
    ASSERT_TRUE(r.exited && r.exit_status == 0) << r.describe();
    // "  123: 00000000000a0b40   123 FUNC    GLOBAL DEFAULT   15 memcpy@@GLIBC_2.14"
    std::multiset<std::string> want;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      std::istringstream f(line);
      std::string num, value, size, type, bind, vis, ndx, name;
      if (!(f >> num >> value >> size >> type >> bind >> vis >> ndx >> name)) continue;
      if (num.back() != ':' || ndx == "UND" || ndx == "ABS") continue;
      if (bind != "GLOBAL" && bind != "WEAK" && bind != "UNIQUE") continue;
      if (vis != "DEFAULT" && vis != "PROTECTED") continue;
      if (type != "FUNC" && type != "OBJECT" && type != "IFUNC") continue;
      want.insert(name);
    }
    ASSERT_GT(want.size(), 50u) << r.out;
    LibraryReport rep = scan_ok(lib);
    std::multiset<std::string> got;
    std::size_t hidden = 0, versioned = 0;
    for (auto& s : rep.symbols) {
      got.insert(symbol_text(s));
      versioned += !s.version.empty();
      hidden += s.version_hidden;
    }
    EXPECT_EQ(got, want) << lib;
    EXPECT_GT(versioned, 0u) << lib;
    if (std::string(lib).find("libc.so") != std::string::npos) {
      EXPECT_GT(hidden, 0u) << "libc keeps old versions (memcpy@GLIBC_2.2.5)";
    }
  }
}

TEST(ScanDwarf, InlinedCopiesAreCountedAsBound) {
  auto nosi = scan_ok(TEST_SCAN_FIXTURES "/nosi/libinline.so");
  const auto& s = sym(nosi, "inline_sum");
  ASSERT_TRUE(s.inlined.has_value());
  EXPECT_GE(*s.inlined, 1u);  // inlined into inline_user
  EXPECT_EQ(s.preemptible_relocs(), 0u);
  EXPECT_EQ(s.verdict, SymVerdict::bound);
  // Without DWARF the inlined copy is invisible: no internal reference at all.
  auto blind = scan_ok(TEST_SCAN_FIXTURES "/nosi/libinline.so", false);
  EXPECT_FALSE(sym(blind, "inline_sum").inlined.has_value());
  EXPECT_EQ(sym(blind, "inline_sum").verdict, SymVerdict::none);
  // Semantic interposition on: no inlining, the call goes through the PLT.
  auto def = scan_ok(TEST_SCAN_FIXTURES "/default/libinline.so");
  EXPECT_EQ(sym(def, "inline_sum").inlined.value_or(99), 0u);
  EXPECT_EQ(sym(def, "inline_sum").verdict, SymVerdict::interposable);
}

// A stripped library's DWARF comes from its separate debug file, found by build ID the way
// Debian's -dbgsym packages lay them out (DEBUG_DIR/.build-id/xx/rest.debug); the build ID is
// read with binutils (readelf -n), and the files are made with objcopy as dh_strip does.
std::string readelf_build_id(const std::string& path) {
  interprobe::ExecResult r =
      interprobe::exec({"readelf", "-n", path}, interprobe::current_environment());
  EXPECT_TRUE(r.exited && r.exit_status == 0) << r.describe();
  const std::string key = "Build ID: ";
  auto at = r.out.find(key);
  if (at == std::string::npos) return {};
  return r.out.substr(at + key.size(), r.out.find('\n', at) - at - key.size());
}

void run_ok(std::vector<std::string> argv) {
  interprobe::ExecResult r = interprobe::exec(argv, interprobe::current_environment());
  ASSERT_TRUE(r.exited && r.exit_status == 0) << argv[0] << ": " << r.describe();
}

TEST(ScanDwarf, StrippedLibraryUsesItsDebugFileFoundByBuildId) {
  const std::string lib = TEST_SCAN_FIXTURES "/nosi/libinline.so";
  const std::string other = TEST_SCAN_FIXTURES "/default/libinline.so";
  const LibraryReport full = scan_ok(lib);
  ASSERT_TRUE(full.facts.has_dwarf);
  const std::string id = readelf_build_id(lib);
  ASSERT_EQ(id.size(), 40u) << "the fixture is linked with --build-id";

  const fs::path dir = scratch_dir() / "debug-by-id";
  const fs::path root = dir / "usr/lib/debug";
  const fs::path debug = root / ".build-id" / id.substr(0, 2) / (id.substr(2) + ".debug");
  fs::create_directories(debug.parent_path());
  const std::string stripped = (dir / "libinline.so").string();
  run_ok({"objcopy", "--only-keep-debug", lib, debug.string()});
  run_ok({"objcopy", "--strip-debug", lib, stripped});

  ScanOptions o;
  o.debug_dir = root.string();
  LibraryReport r = scan_file(stripped, o);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(r.facts.has_dwarf);
  EXPECT_EQ(r.facts.debug_file, debug.string());
  ASSERT_EQ(r.symbols.size(), full.symbols.size());
  std::size_t inlined = 0;
  for (std::size_t i = 0; i < r.symbols.size(); ++i) {
    EXPECT_EQ(r.symbols[i].inlined, full.symbols[i].inlined) << r.symbols[i].name;
    EXPECT_EQ(r.symbols[i].verdict, full.symbols[i].verdict) << r.symbols[i].name;
    inlined += r.symbols[i].inlined.value_or(0);
  }
  EXPECT_GT(inlined, 0u) << "the nosi fixture has inlined copies to find";

  // Not looked up: no DWARF, as before.
  o.debug_dir.clear();
  r = scan_file(stripped, o);
  EXPECT_FALSE(r.facts.has_dwarf);
  EXPECT_TRUE(r.facts.debug_file.empty());
  EXPECT_FALSE(r.symbols.front().inlined.has_value());

  // A stale debug file (another build's) under this build ID describes other code: ignored.
  run_ok({"objcopy", "--only-keep-debug", other, debug.string()});
  o.debug_dir = root.string();
  r = scan_file(stripped, o);
  EXPECT_FALSE(r.facts.has_dwarf);
  EXPECT_TRUE(r.facts.debug_file.empty());
}

TEST(ScanElf, StrippedCopyHasNoSymtabNorDwarf) {
  std::string tmp = scratch_dir().string() + "/stripped.so";
  auto r = interprobe::exec({"objcopy", "--strip-all", victim("gcc-O2"), tmp},
                            interprobe::current_environment());
  ASSERT_EQ(r.exit_status, 0) << r.err;
  auto s = scan_ok(tmp);
  EXPECT_FALSE(s.facts.has_symtab);
  EXPECT_FALSE(s.facts.has_dwarf);
  EXPECT_EQ(sym(s, "victim_err_occurred").verdict, SymVerdict::interposable);
}

TEST(ScanDiff, NosiLosesTheSameFileCalls) {
  auto d = diff_libraries(scan_ok(victim("gcc-O2")), scan_ok(victim("gcc-O2-nosi")));
  std::set<std::string> lost;
  for (auto& c : d.lost) lost.insert(c.name);
  // Same-file callers only (objdump of gcc-O2-nosi): victim_run_noinline, victim_use_const and
  // victim_interp_loop call victim_noinline_touch.localalias / victim_const_answer.localalias
  // directly; victim_interp_loop inlines victim_read_var (a DWARF record) and victim_check_result,
  // and victim_check_result's inlined call of victim_err_occurred reads a static nothing writes,
  // which GCC folds to 0, leaving neither a call nor a record: only DW_AT_inline on the abstract
  // DIEs of api.c says they were inlined. victim_err_occurred keeps its PLT caller in xtu.c.
  EXPECT_EQ(lost, (std::set<std::string>{"victim_noinline_touch", "victim_const_answer",
                                         "victim_check_result", "victim_read_var",
                                         "victim_err_occurred"}));
  const SymbolChange* err = change(d.lost, "victim_err_occurred");
  ASSERT_NE(err, nullptr);
  EXPECT_FALSE(err->fully);  // the matrix's accessor_same_tu bypassed, accessor_cross_tu not
  EXPECT_EQ(interposable(err->old_sites), 3u);
  EXPECT_EQ(interposable(err->new_sites), 1u);
  EXPECT_EQ(err->unrecorded, 2u);  // victim_check_result's and victim_interp_loop's calls
  EXPECT_EQ(err->vanished, 0u);
  std::set<std::string> moved;
  for (auto& c : err->callers) moved.insert(c.caller);
  EXPECT_EQ(moved, (std::set<std::string>{"victim_check_result", "victim_interp_loop"}));
  const SymbolChange* touch = change(d.lost, "victim_noinline_touch");
  ASSERT_NE(touch, nullptr);
  EXPECT_TRUE(touch->fully);
  EXPECT_EQ(at(touch->moved, DiffKind::direct), 2u);
  const SymbolChange* var = change(d.lost, "victim_read_var");
  ASSERT_NE(var, nullptr);
  EXPECT_EQ(at(var->moved, DiffKind::inlined), 1u);
  EXPECT_TRUE(d.gained.empty());

  auto back = diff_libraries(scan_ok(victim("gcc-O2-nosi")), scan_ok(victim("gcc-O2")));
  EXPECT_TRUE(back.lost.empty());
  // Back: the direct and inlined sites become PLT calls again (moved back); the folded calls
  // left nothing to move back from, so they reappear as new sites (appeared).
  std::set<std::string> gained;
  for (auto& c : back.gained) gained.insert(c.name);
  EXPECT_EQ(gained, (std::set<std::string>{"victim_noinline_touch", "victim_const_answer",
                                           "victim_read_var"}));
  EXPECT_TRUE(diff_libraries(scan_ok(victim("gcc-O2")), scan_ok(victim("gcc-O2"))).lost.empty());
}

// Against the truth table (victim/matrix.json, which the matrix tests hold to live probe runs):
// every library path that a variant bypasses, and the gcc-O2 reference does not, names a symbol
// that diff(gcc-O2, variant) reports lost — or, where the compiler left no trace of the inlined
// and folded call, vanished: clang (no DW_AT_inline once every inlined copy of a function was
// folded away) and GCC LTO (the same across units), docs/SCAN.md "Limitations".
TEST(ScanDiff, EveryBypassedPathIsLostOrElseVanished) {
  const interprobe::Matrix m = interprobe::load_matrix(TEST_MATRIX);
  const LibraryReport base = scan_ok(victim("gcc-O2"));
  std::size_t checked = 0;
  for (const interprobe::VariantSpec& v : m.variants) {
    if (!fs::exists(victim(v.name))) continue;  // clang not found at configure time
    const LibraryDiff d = diff_libraries(base, scan_ok(victim(v.name)));
    for (const interprobe::PathSpec& p : m.paths) {
      if (p.caller != "lib" || v.expect.at(p.name) != interprobe::Verdict::bypassed) continue;
      std::vector<std::string> syms;
      if (p.name == "variable") syms = {"victim_exported_var"};
      for (auto& s : p.symbols)
        if (p.name != "variable" && s.rfind("victim_", 0) == 0) syms.push_back(s);
      for (const std::string& s : syms) {
        ++checked;
        const bool no_trace = v.compiler == "clang" || v.name.find("lto") != std::string::npos;
        if (change(d.lost, s) != nullptr) continue;
        EXPECT_TRUE(no_trace && change(d.vanished, s) != nullptr)
            << v.name << ": path " << p.name << " is bypassed, but diff does not report " << s
            << " lost";
      }
    }
  }
  EXPECT_GE(checked, 40u);
}

// Without DWARF the folded calls leave no evidence at all: victim_err_occurred's PLT sites drop
// from 3 to 1 with nothing in their place, which is "vanished", not "lost".
TEST(ScanDiff, WithoutDwarfAFoldedCallIsVanishedNotLost) {
  ScanOptions o;
  o.dwarf = false;
  auto d = diff_libraries(scan_file(victim("gcc-O2"), o), scan_file(victim("gcc-O2-nosi"), o));
  EXPECT_EQ(change(d.lost, "victim_err_occurred"), nullptr);
  const SymbolChange* err = change(d.vanished, "victim_err_occurred");
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->vanished, 2u);
  EXPECT_NE(change(d.lost, "victim_noinline_touch"), nullptr);  // direct calls need no DWARF
}

// ---- Bad input: every file of the corpus gives a one-line error, never a crash or a hang. ----

struct Bad {
  std::string name;
  std::vector<std::uint8_t> bytes;
  std::string reason;  // a word the error must contain
};

template <class T>
void put(std::vector<std::uint8_t>& b, std::size_t off, T v) {
  std::memcpy(b.data() + off, &v, sizeof v);
}

std::vector<Bad> corpus() {
  const auto good = read_bytes(victim("gcc-O2"));
  std::vector<Bad> c;
  c.push_back({"empty", {}, "not an ELF"});
  c.push_back({"text", {'h', 'e', 'l', 'l', 'o', '\n'}, "not an ELF"});
  for (std::size_t n : {3ul, 16ul, 40ul, 63ul})
    c.push_back({"truncated_" + std::to_string(n), {good.begin(), good.begin() + n}, ""});
  c.push_back({"truncated_half", {good.begin(), good.begin() + good.size() / 2}, ""});
  auto b = good;
  b[4] = 1;  // EI_CLASS = ELFCLASS32
  c.push_back({"class32", b, "32-bit"});
  b = good;
  put<std::uint16_t>(b, 18, 243);  // e_machine = EM_RISCV: neither x86-64 nor aarch64
  c.push_back({"riscv", b, "unsupported machine riscv (x86-64 and aarch64 only"});
  b = good;
  b[5] = 2;  // EI_DATA = ELFDATA2MSB
  c.push_back({"big_endian", b, "big-endian"});
  b = good;
  put<std::uint16_t>(b, 16, 1);  // e_type = ET_REL
  c.push_back({"relocatable", b, "shared object"});
  b = good;
  put<std::uint64_t>(b, 40, good.size() + 4096);  // e_shoff past the end
  c.push_back({"shoff_past_end", b, ""});
  b = good;
  put<std::uint16_t>(b, 60, 0xFFFF);  // e_shnum absurd
  c.push_back({"shnum_huge", b, ""});
  b = good;
  put<std::uint16_t>(b, 62, 0xFFF0);  // e_shstrndx out of range
  c.push_back({"shstrndx_bad", b, ""});
  b = good;
  // Every section's sh_offset past the end of the file.
  std::uint64_t shoff;
  std::uint16_t shnum;
  std::memcpy(&shoff, good.data() + 40, 8);
  std::memcpy(&shnum, good.data() + 60, 2);
  for (std::uint16_t i = 1; i < shnum; ++i) put<std::uint64_t>(b, shoff + i * 64 + 24, 1ull << 40);
  c.push_back({"section_offsets_past_end", b, "section"});
  b = good;
  b.resize(shoff + 64 * 3);  // section headers cut short
  c.push_back({"section_headers_truncated", b, ""});
  return c;
}

TEST(ScanBadInput, EveryCorpusFileGivesACleanError) {
  for (const Bad& bad : corpus()) {
    LibraryReport r = scan_bytes(bad.bytes, {});
    EXPECT_FALSE(r.error.empty()) << bad.name << " was accepted";
    EXPECT_EQ(r.error.find('\n'), std::string::npos) << bad.name << ": " << r.error;
    if (!bad.reason.empty()) {
      EXPECT_NE(r.error.find(bad.reason), std::string::npos) << bad.name << ": " << r.error;
    }
  }
}

// Deterministic random corruption (seeded): each mutant scans or fails cleanly. The libFuzzer
// target (tests/fuzz) explores much further; this keeps a quick guard in the unit label.
TEST(ScanBadInput, RandomByteFlipsNeverCrash) {
  const auto good = read_bytes(victim("gcc-O2"));
  std::mt19937 rng(12345);
  for (int round = 0; round < 300; ++round) {
    auto b = good;
    std::uniform_int_distribution<std::size_t> where(0, round % 3 == 0 ? 511 : b.size() - 1);
    for (int k = 0; k < 1 + round % 8; ++k) b[where(rng)] = static_cast<std::uint8_t>(rng());
    LibraryReport r = scan_bytes(b, {});
    EXPECT_EQ(r.error.find('\n'), std::string::npos) << r.error;
  }
}

TEST(ScanBadInput, FilesystemTroubleIsNamed) {
  EXPECT_NE(scan_file("/nonexistent/x.so", {}).error.find("cannot open"), std::string::npos);
  EXPECT_NE(scan_file("/", {}).error.find("directory"), std::string::npos);
  std::string fifo = scratch_dir().string() + "/scan_fifo.so";
  unlink(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NE(scan_file(fifo, {}).error.find("not a regular file"), std::string::npos);  // no hang
  unlink(fifo.c_str());
}

TEST(ScanBatch, DirectoryScanSkipsNonElfAndDeduplicatesHardLinks) {
  fs::path dir = scratch_dir() / "scan_batch_dir";
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  fs::copy_file(victim("gcc-O2"), dir / "libvictim.so.1");
  fs::create_hard_link(dir / "libvictim.so.1", dir / "sub" / "libsame.so");
  fs::create_symlink("libvictim.so.1", dir / "libvictim.so");
  std::ofstream(dir / "libc.so") << "/* GNU ld script */\n";
  std::ofstream(dir / "README") << "not a library\n";
  auto bytes = read_bytes(victim("gcc-O2"));
  bytes.resize(100);
  std::ofstream(dir / "libbroken.so.2", std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  BatchOptions o;
  o.threads = 2;
  auto libs = scan_paths({dir.string()}, o);
  ASSERT_EQ(libs.size(), 3u);  // libbroken (error), libvictim.so.1 and its hard link
  EXPECT_EQ(fs::path(libs[0].path).filename(), "libbroken.so.2");
  EXPECT_FALSE(libs[0].error.empty());
  EXPECT_TRUE(libs[1].error.empty()) << libs[1].error;
  EXPECT_TRUE(libs[2].error.empty()) << libs[2].error;
  EXPECT_EQ(libs[1].symbols.size(), libs[2].symbols.size());
  fs::remove_all(dir);
}

}  // namespace
