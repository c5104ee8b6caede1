// patch_app.cpp — runs the fixture library's functions, with or without their entries patched, and
// prints what they return and (patched) what the counting entry saw. tests/patch/patch_test.cpp
// runs it both ways and compares.
//
// Usage: patch_app control|patched [fork|threads]
// Prints "outcome NAME REASON STOLEN" per function (patched only), then "result NAME VALUE" per
// call of the workload, then "count NAME N" (patched only). The counting entry here is the test's
// own: every call counts; the first call of each function takes the slow path (the trampoline's
// xsave path), whose function clobbers vector registers on purpose; the second the C half, which
// fills the thread's entry site for the call (runtime/entry_counter.hpp) as the front-ends do;
// the rest the entry's own fast path, which counts into that site's cell.
#include <dlfcn.h>
#include <link.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "definitions.hpp"
#include "patch.hpp"

extern "C" {
typedef float v4f __attribute__((vector_size(16)));
struct big {
  long a[4];
};
long patch_sum6(long, long, long, long, long, long);
long patch_sum8(long, long, long, long, long, long, long, long);
double patch_mix(double, float, long, double);
v4f patch_vec(v4f, v4f);
double patch_varsum(int, ...);
struct big patch_big(long);
int patch_read_global(void);
long patch_ifunc(long);
int patch_loop_in_stolen(int);
int patch_into_stolen(int);
int patch_too_short(void);
int patch_call_first(void);
long patch_one_insn(long, long, long, long, long, long);
int patch_jcc_first(int);
long patch_lea_first(long);
long patch_flags_test(int);
long patch_r11_test(int);

void interprobe_bypass_entry();
}

namespace {

const char* const kNames[] = {
    "patch_sum6",      "patch_sum8",      "patch_mix",         "patch_vec",
    "patch_varsum",    "patch_big",       "patch_read_global", "patch_ifunc",
    "patch_loop_in_stolen", "patch_into_stolen", "patch_too_short", "patch_call_first",
    "patch_one_insn",  "patch_jcc_first", "patch_lea_first",   "patch_flags_at_entry",
    "patch_r11_at_entry",
};
constexpr std::size_t kCount = sizeof kNames / sizeof kNames[0];

}  // namespace

// patch_hit.cpp: the test's C half of the counting entry, and what it counted.
extern std::atomic<bool> g_seen[];
std::uint64_t counted_by_hit(std::size_t id);

namespace {
std::atomic<std::uint64_t> g_slow[kCount];
}  // namespace

extern "C" __attribute__((visibility("hidden"))) void interprobe_bypass_slow(std::uint32_t id,
                                                                           std::uintptr_t) {
  // Vector and x87 registers are fair game here (the entry saved them): use some.
  volatile double d = 1.5;
  for (int i = 0; i < 4; ++i) d = std::sqrt(d * 3.25 + i);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%f", static_cast<double>(d));
  if (id >= kCount) return;
  g_seen[id].store(true, std::memory_order_relaxed);
  g_slow[id].fetch_add(1, std::memory_order_relaxed);
}

namespace {

void patch_all() {
  std::vector<interprobe::patch::Function> fns;
  std::vector<interprobe::patch::CodeRange> code;
  for (std::size_t i = 0; i < kCount; ++i) {
    void* p = dlsym(RTLD_DEFAULT, kNames[i]);
    Dl_info info{};
    ElfW(Sym)* sym = nullptr;
    if (p == nullptr ||
        dladdr1(p, &info, reinterpret_cast<void**>(&sym), RTLD_DL_SYMENT) == 0 || sym == nullptr) {
      std::printf("missing %s\n", kNames[i]);
      continue;
    }
    fns.push_back({reinterpret_cast<std::uintptr_t>(p), sym->st_size, static_cast<std::uint32_t>(i)});
    if (code.empty()) code = interprobe::patch::code_of(reinterpret_cast<std::uintptr_t>(p));
  }
  std::vector<interprobe::patch::Outcome> out(fns.size());
  interprobe::patch::patch_functions(
      code, fns, {reinterpret_cast<std::uintptr_t>(&interprobe_bypass_entry)}, out);
  for (std::size_t k = 0; k < fns.size(); ++k)
    std::printf("outcome %s %s %u\n", kNames[fns[k].id],
                out[k].refusal == interprobe::patch::Refusal::none ? "patched"
                                                                    : interprobe::patch::describe(out[k].refusal),
                out[k].stolen);
}

void workload(const char* tag) {
  auto show = [&](const char* name, const std::string& v) {
    std::printf("result %s %s %s\n", tag, name, v.c_str());
  };
  for (int round = 0; round < 3; ++round) {
    show("patch_sum6", std::to_string(patch_sum6(1, 2, 3, 4, 5, round)));
    show("patch_sum8", std::to_string(patch_sum8(1, 2, 3, 4, 5, 6, 7, round)));
    char b[128];
    std::snprintf(b, sizeof b, "%.17g", patch_mix(1.25, 2.5f, round, 0.125));
    show("patch_mix", b);
    v4f x = {1, 2, 3, static_cast<float>(round)}, y = {0.5f, 4, -1, 2};
    v4f r = patch_vec(x, y);
    std::snprintf(b, sizeof b, "%g %g %g %g", r[0], r[1], r[2], r[3]);
    show("patch_vec", b);
    std::snprintf(b, sizeof b, "%.17g", patch_varsum(4, 1.0, 2.5, -3.0, 0.25 * round));
    show("patch_varsum", b);
    struct big g = patch_big(round + 3);
    std::snprintf(b, sizeof b, "%ld %ld %ld %ld", g.a[0], g.a[1], g.a[2], g.a[3]);
    show("patch_big", b);
    show("patch_read_global", std::to_string(patch_read_global()));
    show("patch_ifunc", std::to_string(patch_ifunc(round)));
    show("patch_loop_in_stolen", std::to_string(patch_loop_in_stolen(3 + round)));
    show("patch_into_stolen", std::to_string(patch_into_stolen(round)));
    show("patch_too_short", std::to_string(patch_too_short()));
    show("patch_call_first", std::to_string(patch_call_first()));
    show("patch_one_insn", std::to_string(patch_one_insn(6, 5, 4, 3, 2, round)));
    show("patch_jcc_first", std::to_string(patch_jcc_first(round)));
    show("patch_lea_first", std::to_string(patch_lea_first(round)));
    show("patch_flags_test", std::to_string(patch_flags_test(round % 2)));
    show("patch_r11_test", std::to_string(patch_r11_test(round)));
  }
}

void print_counts() {
  for (std::size_t i = 0; i < kCount; ++i)
    std::printf("count %s %" PRIu64 "\n", kNames[i], counted_by_hit(i) + g_slow[i].load());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const bool patched = std::strcmp(argv[1], "patched") == 0;
  const std::string extra = argc > 2 ? argv[2] : "";
  if (patched) patch_all();
  workload("main");
  if (extra == "threads") {
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t)
      ts.emplace_back([] {
        for (int i = 0; i < 100000; ++i) (void)patch_sum6(i, 1, 1, 1, 1, 1);
      });
    for (auto& t : ts) t.join();
    std::printf("threads done\n");
  } else if (extra == "fork") {
    std::fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      workload("child");
      if (patched) print_counts();
      std::fflush(stdout);
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    std::printf("child %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
  if (patched) print_counts();
  return 0;
}
