// patch_test.cpp — the entry patcher (preload/patch/) on a fixture library with known prologues
// (tests/patch/fixture.c, fixture_asm.S): patch_app runs the same workload unpatched (the control)
// and patched; every function must return exactly what it returned unpatched, each patched entry
// must have been reached once per call, and each refusal must be the one its prologue calls for.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "exec.hpp"

namespace {

using interprobe::ExecResult;

struct AppRun {
  std::map<std::string, std::string> outcome;  // function -> "patched" or the refusal's words
  std::map<std::string, unsigned long> count;
  std::string results;  // the "result ..." lines, in order
};

AppRun parse(const ExecResult& r) {
  AppRun run;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    std::istringstream l(line);
    std::string kind, name;
    l >> kind >> name;
    if (kind == "outcome") {
      std::string rest;
      std::getline(l, rest);
      run.outcome[name] = rest.substr(1, rest.rfind(' ') - 1);
    } else if (kind == "count") {
      l >> run.count[name];
    } else if (kind == "result") {
      run.results += line + "\n";
    }
  }
  return run;
}

ExecResult run_app(const std::string& mode, const std::string& extra = "") {
  std::vector<std::string> argv = {TEST_PATCH_APP, mode};
  if (!extra.empty()) argv.push_back(extra);
  ExecResult r = interprobe::exec(argv, interprobe::current_environment());
  EXPECT_TRUE(r.exited && r.exit_status == 0) << r.describe() << "\n" << r.err;
  return r;
}

// Functions whose first instructions can be moved: the C functions (whatever GCC made of their
// prologues, none starts with a call; objdump -d of libpatchfix.so) and the asm ones built to be
// movable: a one-instruction tail call (jmp rel32, moved as it is), a je rel8 in the stolen bytes
// (re-encoded as rel32), a RIP-relative lea, pushfq.
const char* const kPatchable[] = {
    "patch_sum6",      "patch_sum8",      "patch_mix",         "patch_vec",
    "patch_varsum",    "patch_big",       "patch_read_global", "patch_ifunc",
    "patch_one_insn",  "patch_jcc_first", "patch_lea_first",   "patch_flags_at_entry",
    "patch_r11_at_entry",
};

TEST(Patch, PatchedFunctionsReturnExactlyWhatTheyReturnUnpatched) {
  const AppRun control = parse(run_app("control")), patched = parse(run_app("patched"));
  ASSERT_FALSE(control.results.empty());
  // Integer, stack, SSE and vector arguments, varargs (al), a struct returned through memory, the
  // flags at the entry (patch_flags_test sets CF before a direct call), r11 kept live across a
  // direct call as GCC's -fipa-ra does (patch_r11_test: 2 * (1000 + round)): all pass through.
  EXPECT_EQ(patched.results, control.results);
  for (const char* f : kPatchable) EXPECT_EQ(patched.outcome.at(f), "patched") << f;
}

TEST(Patch, EachRefusalIsTheOneTheProloguesCallFor) {
  const AppRun r = parse(run_app("patched"));
  // fixture_asm.S: a jnz among the stolen bytes that lands inside them.
  EXPECT_NE(r.outcome.at("patch_loop_in_stolen").find("cannot be moved"), std::string::npos);
  // A jl from after the stolen bytes into their middle, found by the sweep of the library.
  EXPECT_NE(r.outcome.at("patch_into_stolen").find("branches into its first instructions"),
            std::string::npos);
  // xor + ret: 3 bytes, fewer than the 5 of jmp rel32.
  EXPECT_NE(r.outcome.at("patch_too_short").find("shorter than the jump"), std::string::npos);
  // push + call: the callee would return into the stub.
  EXPECT_NE(r.outcome.at("patch_call_first").find("a call among its first instructions"),
            std::string::npos);
  for (const char* f : {"patch_loop_in_stolen", "patch_into_stolen", "patch_too_short",
                        "patch_call_first"})
    EXPECT_EQ(r.count.at(f), 0u) << f << ": refused, so never counted";
}

TEST(Patch, EveryArrivalAtAPatchedEntryIsCountedOnce) {
  const AppRun r = parse(run_app("patched"));
  // The workload runs 3 rounds. patch_sum6 is reached by its own calls, by patch_sum8's call
  // through the PLT and by patch_one_insn's tail jump: 3 + 3 + 3. The first call of each function
  // takes the entry's slow path (xsave), the others the fast one: both count.
  EXPECT_EQ(r.count.at("patch_sum6"), 9u);
  for (const char* f : kPatchable) {
    if (std::string(f) != "patch_sum6") {
      EXPECT_EQ(r.count.at(f), 3u) << f;
    }
  }
}

TEST(Patch, CountsStayExactWithThreadsAndTheChildKeepsThePatches) {
  const AppRun threads = parse(run_app("patched", "threads"));
  EXPECT_EQ(threads.count.at("patch_sum6"), 9u + 4 * 100000u);  // 4 threads x 100,000 calls

  const ExecResult control = run_app("control", "fork"), patched = run_app("patched", "fork");
  EXPECT_EQ(parse(patched).results, parse(control).results);
  // The child inherits the patched code and the counters: the parent's 9 before the fork and its
  // own 9. Its "count" lines come first (it exits before the parent prints).
  const std::size_t child_count = patched.out.find("count patch_sum6 ");
  ASSERT_NE(child_count, std::string::npos);
  EXPECT_EQ(patched.out.substr(child_count, 20), "count patch_sum6 18\n");
}

}  // namespace
