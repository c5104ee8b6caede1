// check_static_test.cpp — the static half of `interprobe check` (no RUN command) on real victim
// builds: each verdict the scanner can give, what it means for each expectation, and the evidence
// line a packager reads in a failing build log. The cells come from `interprobe scan` of these
// builds and from objdump -d; the reason is next to each.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "exec.hpp"

namespace {

using namespace interprobe;

std::string lib(const std::string& variant) {
  return std::string(TEST_VARIANTS) + "/" + variant + "/libvictim.so.1";
}

ExecResult check_static(const std::string& variant, const std::string& symbol,
                        const std::string& expect) {
  Env env = current_environment();
  env.erase("LD_PRELOAD");
  return exec({TEST_INTERPROBE, "check", "--library", lib(variant), "--symbols", symbol, "--expect",
               expect},
              env);
}

// The output with its wrapped lines joined back (a continuation line is indented by six).
std::string unwrapped(const std::string& text) {
  return std::regex_replace(text, std::regex("\n      "), " ");
}

bool has(const std::string& text, const std::string& re) {
  return std::regex_search(unwrapped(text), std::regex(re));
}

// gcc -O2 (semantic interposition): victim_check_result calls victim_err_occurred through the
// PLT (`call victim_err_occurred@plt`, one JUMP_SLOT).
TEST(CheckStatic, PltCallsAreInterposable) {
  auto ok = check_static("gcc-O2", "victim_err_occurred", "interposable");
  EXPECT_EQ(ok.exit_status, 0) << ok.out << ok.err;
  EXPECT_TRUE(
      has(ok.out,
          "found interposable — ok\\n    evidence: via PLT/GOT: 1 relocation\\(s\\) \\(JUMP_SLOT "
          "1, [^)]*\\), [1-9][0-9]* code site\\(s\\); bound: 0 direct"))
      << ok.out;
  EXPECT_TRUE(has(ok.out, "runtime: not checked: no RUN command given")) << ok.out;
  auto wrong = check_static("gcc-O2", "victim_err_occurred", "bound");
  EXPECT_EQ(wrong.exit_status, 1) << wrong.out << wrong.err;
  EXPECT_TRUE(has(wrong.out, "Found \\(static\\): .*still go through the PLT")) << wrong.out;
}

// -Wl,-Bsymbolic: the linker turned the calls into direct ones (no JUMP_SLOT left) and set
// DF_SYMBOLIC; the evidence names both.
TEST(CheckStatic, SymbolicLinkIsBound) {
  auto ok = check_static("gcc-Bsymbolic", "victim_err_occurred", "bound");
  EXPECT_EQ(ok.exit_status, 0) << ok.out << ok.err;
  EXPECT_TRUE(
      has(ok.out,
          "found bound — ok\\n    evidence: .*; bound: [1-9][0-9]* direct call/jump site\\(s\\)"
          ".*DT_SYMBOLIC yes"))
      << ok.out;
  auto wrong = check_static("gcc-Bsymbolic", "victim_err_occurred", "interposable");
  EXPECT_EQ(wrong.exit_status, 1) << wrong.out;
  EXPECT_TRUE(has(wrong.out, "binds its own calls of victim_err_occurred")) << wrong.out;
}

// __attribute__((visibility("protected"))): direct calls, and the evidence says protected.
TEST(CheckStatic, ProtectedIsBound) {
  auto ok = check_static("gcc-protected", "victim_err_occurred", "bound");
  EXPECT_EQ(ok.exit_status, 0) << ok.out << ok.err;
  EXPECT_TRUE(has(ok.out, "found bound — ok\\n    evidence: .*visibility protected")) << ok.out;
}

// gcc -O0 -fno-semantic-interposition: the same-file callers call victim_err_occurred directly
// (its .localalias), the other file (xtu.c) still through the PLT: mixed. Neither expectation
// holds, and the output says which part is which.
TEST(CheckStatic, MixedFailsBothExpectations) {
  for (const std::string e : {"interposable", "bound"}) {
    auto r = check_static("gcc-O0-nosi", "victim_err_occurred", e);
    EXPECT_EQ(r.exit_status, 1) << r.out << r.err;
    EXPECT_TRUE(
        has(r.out,
            "found mixed — FAILED\\n    evidence: via PLT/GOT: 1 relocation.*bound: [1-9][0-9]* "
            "direct"))
        << r.out;
    EXPECT_TRUE(has(r.out, e == "bound" ? "took effect only in part" : "only part of")) << r.out;
  }
}

// gcc -O2 -fno-semantic-interposition: victim_interp_loop's call of victim_check_result was
// inlined and folded (objdump: no call, and GCC dropped the inlined block from DWARF), so the
// file has no reference to it at all. Nothing inside the library can reach an override: that is
// what "bound" asks for, and the opposite of what "interposable" asks for.
TEST(CheckStatic, NoInternalReferencesIsBoundNotInterposable) {
  auto ok = check_static("gcc-O2-nosi", "victim_check_result", "bound");
  EXPECT_EQ(ok.exit_status, 0) << ok.out << ok.err;
  EXPECT_TRUE(has(ok.out, "found no internal references — ok")) << ok.out;
  auto wrong = check_static("gcc-O2-nosi", "victim_check_result", "interposable");
  EXPECT_EQ(wrong.exit_status, 1) << wrong.out;
  // The rest of this library binds its own calls (the nosi build's .localalias symbols, bound
  // and mixed symbols), so the file cannot tell inlined from never called, and says so.
  EXPECT_TRUE(has(wrong.out,
                  "no call or address use of victim_check_result left in its code, and the rest "
                  "of libvictim.so.1 does not say whether it was inlined or is never called "
                  "\\(exported functions with internal calls: [0-9]+ interposable, [1-9]"))
      << wrong.out;
}

// Debian's zlib never calls gzerror itself, and binds none of its own calls: the explanation says
// so instead of blaming -fno-semantic-interposition as main did.
TEST(CheckStatic, NoCallerInALibraryThatBindsNothing) {
  Env env = current_environment();
  env.erase("LD_PRELOAD");
  auto r = exec({TEST_INTERPROBE, "check", "--library", TEST_ZLIB_SO, "--symbols", "gzerror",
                 "--expect", "interposable"},
                env);
  EXPECT_EQ(r.exit_status, 1) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "found no internal references — FAILED")) << r.out;
  EXPECT_TRUE(has(r.out, "Most likely libz\\.so[0-9.]* never calls gzerror itself")) << r.out;
  EXPECT_TRUE(has(r.out, "functions with internal calls: [1-9][0-9]* interposable, 0 bound, 0 mixed; "
                          "DT_SYMBOLIC no")) << r.out;
  EXPECT_FALSE(has(r.out, "Usual causes")) << r.out;
}

// The evidence is printed once, under its verdict, and no line is longer than 100 columns.
TEST(CheckStatic, EvidenceOnceAndWrapped) {
  auto r = check_static("gcc-O0-nosi", "victim_err_occurred", "interposable");
  EXPECT_EQ(r.exit_status, 1) << r.out;
  std::size_t count = 0;
  for (auto at = r.out.find("via PLT/GOT: "); at != std::string::npos;
       at = r.out.find("via PLT/GOT: ", at + 1))
    ++count;
  EXPECT_EQ(count, 1u) << r.out;
  // The evidence and the explanation, indented by four (continuations by six), are wrapped; the
  // header and the notes name files and stay whole.
  std::istringstream in(r.out);
  std::size_t wrapped = 0;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("    ", 0) == 0) {
      EXPECT_LE(line.size(), 100u) << line;
      ++wrapped;
    }
  EXPECT_GE(wrapped, 4u) << r.out;
}

// Both halves: each must agree. gcc-O2-nosi victim_err_occurred is the scanner's documented blind
// spot (docs/SCAN.md): statically interposable (xtu.c's PLT call), while the same-file path
// accessor_same_tu bypasses an override at run time — so "interposable" fails on the runtime half
// and "bound" on the static half: no expectation passes, which is the truth for this library.
TEST(CheckStatic, BothHalvesMustAgree) {
  Env env = current_environment();
  env.erase("LD_PRELOAD");
  env["LD_LIBRARY_PATH"] = std::string(TEST_VARIANTS) + "/gcc-O2-nosi";
  for (const std::string e : {"interposable", "bound"}) {
    auto r = exec(
        {TEST_INTERPROBE, "check", "--probe", TEST_PROBE, "--library", lib("gcc-O2-nosi"),
         "--symbols", "victim_err_occurred", "--expect", e, "--", TEST_APP, "accessor_same_tu"},
        env);
    EXPECT_EQ(r.exit_status, 1) << r.out << r.err;
    EXPECT_TRUE(has(r.out, e == "bound" ? "Found \\(static\\)" : "Found \\(runtime\\)")) << r.out;
  }
}

}  // namespace
