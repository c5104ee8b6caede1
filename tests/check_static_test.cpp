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

// check --expect EXPECT of SYMBOL in VARIANT's library ends with `status` and says what each of
// `res` matches.
void expect_check(const std::string& variant, const std::string& symbol, const std::string& expect,
                  int status, std::initializer_list<std::string> res) {
  auto r = check_static(variant, symbol, expect);
  EXPECT_EQ(r.exit_status, status) << variant << " --expect " << expect << ":\n" << r.out << r.err;
  for (const std::string& re : res)
    EXPECT_TRUE(has(r.out, re)) << variant << " --expect " << expect << ": no /" << re << "/ in\n"
                                << r.out;
}

// gcc -O2 (semantic interposition): victim_check_result calls victim_err_occurred through the
// PLT (`call victim_err_occurred@plt`, one JUMP_SLOT).
TEST(CheckStatic, PltCallsAreInterposable) {
  expect_check("gcc-O2", "victim_err_occurred", "interposable", 0,
               {"found interposable — ok\\n    evidence: via PLT/GOT: 1 relocation\\(s\\) "
                "\\(JUMP_SLOT 1, [^)]*\\), [1-9][0-9]* code site\\(s\\); bound: 0 direct",
                "runtime: not checked: no RUN command given"});
  expect_check("gcc-O2", "victim_err_occurred", "bound", 1,
               {"Found \\(static\\): .*still go through the PLT"});
}

// -Wl,-Bsymbolic: the linker turned the calls into direct ones (no JUMP_SLOT left) and set
// DF_SYMBOLIC; the evidence names both.
TEST(CheckStatic, SymbolicLinkIsBound) {
  expect_check(
      "gcc-Bsymbolic", "victim_err_occurred", "bound", 0,
      {"found bound — ok\\n    evidence: .*; bound: [1-9][0-9]* direct call/jump site\\(s\\)"
       ".*DT_SYMBOLIC yes"});
  expect_check("gcc-Bsymbolic", "victim_err_occurred", "interposable", 1,
               {"binds its own calls of victim_err_occurred"});
}

// __attribute__((visibility("protected"))): direct calls, and the evidence says protected.
TEST(CheckStatic, ProtectedIsBound) {
  expect_check("gcc-protected", "victim_err_occurred", "bound", 0,
               {"found bound — ok\\n    evidence: .*visibility protected"});
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
  expect_check("gcc-O2-nosi", "victim_check_result", "bound", 0,
               {"found no internal references — ok"});
  // The rest of this library binds its own calls (the nosi build's .localalias symbols, bound
  // and mixed symbols), so the file cannot tell inlined from never called, and says so.
  expect_check("gcc-O2-nosi", "victim_check_result", "interposable", 1,
               {"no call or address use of victim_check_result left in its code, and the rest "
                "of libvictim.so.1 does not say whether it was inlined or is never called "
                "\\(exported functions with internal calls: [0-9]+ interposable, [1-9]"});
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
  EXPECT_TRUE(has(r.out,
                  "functions with internal calls: [1-9][0-9]* interposable, 0 bound, 0 mixed; "
                  "DT_SYMBOLIC no"))
      << r.out;
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
