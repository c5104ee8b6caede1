// scan_sweep_test.cpp — one file's code swept by several threads in chunks (tools/scan/sweep.hpp)
// must report exactly the references of one sweep over each section, with both decoders: where
// the chunks start at function entries (what the scanner does), and where they start at arbitrary
// offsets, inside instructions, so that most guessed starts are wrong and the re-sweep decides.
// Then the whole scan: the same JSON with 1, 2 and 3 threads, on the victim variants and on
// Debian's libpython3.11 and libcrypto (whose .text holds data tables, where sweeps resynchronise).
#include <elf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <tuple>
#include <vector>

#include "architecture.hpp"
#include "elf_image.hpp"
#include "scan_render.hpp"
#include "scanner.hpp"
#include "sweep.hpp"

namespace {

using namespace interprobe::scan;

const char* const kLibpython = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0";
const char* const kLibcrypto = "/usr/lib/x86_64-linux-gnu/libcrypto.so.3";

using Key = std::tuple<std::uint64_t, std::uint64_t, int>;
Key key(const CodeRef& r) { return {r.site, r.target, static_cast<int>(r.kind)}; }

struct Collect final : RefSink {
  std::vector<Key> refs;
  void on_ref(const CodeRef& r) override { refs.push_back(key(r)); }
};

struct Collects final : ChunkSinks {
  explicit Collects(std::size_t n) : sinks(n) {}
  RefSink& sink(std::size_t k) override { return sinks[k]; }
  void discard(std::size_t k) override {
    sinks[k].refs.clear();
    ++discarded;
  }
  std::vector<Key> all() const {
    std::vector<Key> out;
    for (auto& s : sinks) out.insert(out.end(), s.refs.begin(), s.refs.end());
    return out;
  }
  std::vector<Collect> sinks;
  std::size_t discarded = 0;
};

struct Code {
  ElfImage image;
  ElfInfo info;
  std::vector<CodeRange> ranges;
  std::vector<std::uint64_t> entries;  // exported functions' addresses, sorted
};

Code code_of(const std::string& path) {
  Code c{ElfImage::open_file(path), {}, {}, {}};
  c.info = read_elf(c.image);
  for (const Section& s : c.info.sections)
    if (s.executable()) c.ranges.push_back({s.data, s.addr});
  for (const DynSymbol& s : c.info.dynsyms)
    if (s.type == STT_FUNC && s.shndx != SHN_UNDEF) c.entries.push_back(s.value);
  std::sort(c.entries.begin(), c.entries.end());
  c.entries.erase(std::unique(c.entries.begin(), c.entries.end()), c.entries.end());
  return c;
}

std::vector<Key> single_sweep(std::span<const CodeRange> ranges, Decoder d) {
  Collect all;
  auto arch = make_architecture(EM_X86_64, d);
  for (const CodeRange& r : ranges) arch->find_references(r.code, r.address, all);
  return all.refs;
}

SweepStats chunked(std::span<const CodeRange> ranges, std::span<const Chunk> chunks, Decoder d,
                   unsigned threads, std::vector<Key>& out) {
  Collects sinks(chunks.size());
  SweepStats st = sweep_chunks(
      ranges, chunks, threads, [d] { return make_architecture(EM_X86_64, d); }, sinks);
  EXPECT_EQ(st.resweeps, sinks.discarded);
  out = sinks.all();
  return st;
}

TEST(ScanSweep, PlanCutsAtEntriesAndKeepsRangesWithoutThemWhole) {
  std::vector<std::uint8_t> a(1000), b(1000);
  const std::vector<CodeRange> ranges = {{a, 0x1000}, {b, 0x5000}};
  const std::vector<std::uint64_t> entries = {0x1000, 0x1010, 0x1120, 0x1200, 0x13e0, 0x5000};
  // 1000 bytes in 250-byte chunks: ideal cuts at offsets 250, 500 and 750; each moves to the
  // first entry at or after it: 0x1120 (288), 0x1200 (512), 0x13e0 (992).
  auto plan = plan_chunks(ranges, entries, 250);
  ASSERT_EQ(plan.size(), 5u);
  EXPECT_EQ(std::tie(plan[0].range, plan[0].begin, plan[0].stop), std::tuple(0u, 0u, 288u));
  EXPECT_EQ(std::tie(plan[1].begin, plan[1].stop), std::tuple(288u, 512u));
  EXPECT_EQ(std::tie(plan[2].begin, plan[2].stop), std::tuple(512u, 992u));
  EXPECT_EQ(std::tie(plan[3].begin, plan[3].stop), std::tuple(992u, 1000u));
  // The second range's only entry is its start: no cut can be placed, it stays whole.
  EXPECT_EQ(std::tie(plan[4].range, plan[4].begin, plan[4].stop), std::tuple(1u, 0u, 1000u));
  // No chunk size: one chunk per range.
  auto whole = plan_chunks(ranges, entries, 0);
  ASSERT_EQ(whole.size(), 2u);
  EXPECT_EQ(std::tie(whole[1].range, whole[1].begin, whole[1].stop), std::tuple(1u, 0u, 1000u));
}

TEST(ScanSweep, ACutInsideAnInstructionIsSweptAgainFromTheRightPlace) {
  // call rel32 (5 bytes) at 0, then call at 5; a chunk guessed to start at 2 (inside the first
  // call) decodes garbage there: it must be discarded and swept again from 5.
  const std::vector<std::uint8_t> bytes = {0xe8, 0x10, 0, 0, 0, 0xe8, 0x20, 0, 0, 0, 0xc3};
  const std::vector<CodeRange> ranges = {{bytes, 0x1000}};
  const std::vector<Chunk> chunks = {{0, 0, 2}, {0, 2, bytes.size()}};
  for (Decoder d : {Decoder::zydis, Decoder::capstone}) {
    std::vector<Key> got;
    SweepStats st = chunked(ranges, chunks, d, 2, got);
    EXPECT_EQ(st.resweeps, 1u) << to_string(d);
    EXPECT_EQ(got, single_sweep(ranges, d)) << to_string(d);
    ASSERT_EQ(got.size(), 2u) << to_string(d);
    EXPECT_EQ(got[1], Key(0x1005, 0x102a, static_cast<int>(RefKind::call))) << to_string(d);
  }
}

// `stride`: the blind cuts' spacing, a prime so that it falls at every offset modulo the usual
// instruction lengths and alignments.
void expect_chunked_equals_single(const std::string& path, std::size_t stride) {
  Code c = code_of(path);
  std::size_t total = 0;
  for (auto& r : c.ranges) total += r.code.size();
  for (Decoder d : {Decoder::zydis, Decoder::capstone}) {
    const std::vector<Key> want = single_sweep(c.ranges, d);
    ASSERT_FALSE(want.empty()) << path;
    std::vector<Key> got;
    // What the scanner does: cuts at exported functions' entries.
    auto at_entries = plan_chunks(c.ranges, c.entries, std::max<std::size_t>(total / 16, 64));
    SweepStats st = chunked(c.ranges, at_entries, d, 2, got);
    EXPECT_EQ(got, want) << path << " " << to_string(d) << ", cuts at entries";
    EXPECT_GT(st.chunks, c.ranges.size() + 2) << path << ": the plan cut (almost) nothing";
    // Cuts every `stride` bytes, wherever that falls: many guessed starts are inside an
    // instruction and must be swept again.
    std::vector<Chunk> blind;
    for (std::size_t r = 0; r < c.ranges.size(); ++r)
      for (std::size_t b = 0; b < c.ranges[r].code.size(); b += stride)
        blind.push_back({r, b, std::min(b + stride, c.ranges[r].code.size())});
    const SweepStats at_entries_stats = st;
    st = chunked(c.ranges, blind, d, 3, got);
    EXPECT_EQ(got, want) << path << " " << to_string(d) << ", blind cuts";
    EXPECT_GT(st.resweeps, 0u) << path << ": no blind cut was wrong, the re-sweep is untested";
    // For the log: a function entry is nearly always where the single sweep lands.
    std::cout << path << " " << to_string(d) << ": swept again " << at_entries_stats.resweeps
              << " of " << at_entries_stats.chunks << " chunks cut at entries, " << st.resweeps
              << " of " << st.chunks << " cut blind\n";
  }
}

// Every variant CMake built from victim/matrix.json.
std::vector<std::string> victim_variants() {
  std::vector<std::string> out;
  for (auto& e : std::filesystem::directory_iterator(TEST_VARIANTS))
    if (std::filesystem::exists(e.path() / "libvictim.so.1"))
      out.push_back((e.path() / "libvictim.so.1").string());
  std::sort(out.begin(), out.end());
  EXPECT_GE(out.size(), 16u) << TEST_VARIANTS;
  return out;
}

TEST(ScanSweep, ChunksGiveTheSingleSweepsReferencesOnEveryVictimVariant) {
  for (const std::string& v : victim_variants()) expect_chunked_equals_single(v, 13);
}

TEST(ScanSweep, ChunksGiveTheSingleSweepsReferencesOnLibpythonAndLibcrypto) {
  expect_chunked_equals_single(kLibpython, 4099);
  expect_chunked_equals_single(kLibcrypto, 4099);
}

TEST(ScanSweep, TheScanDoesNotDependOnTheNumberOfThreads) {
  std::vector<std::string> files = victim_variants();
  files.push_back(kLibpython);
  files.push_back(kLibcrypto);
  for (const std::string& f : files) {
    ScanOptions one, many;
    one.threads = 1;
    const std::string want = render_json({scan_file(f, one)});
    ASSERT_EQ(want.find("\"error\""), std::string::npos) << f << ": " << want;
    for (unsigned t : {2u, 3u}) {
      many.threads = t;
      EXPECT_EQ(render_json({scan_file(f, many)}), want) << f << " with " << t << " threads";
    }
  }
}

}  // namespace
