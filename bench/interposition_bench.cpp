// interposition_bench.cpp — the price of semantic interposition: ns per call of the victim's
// call-heavy paths in every variant of victim/matrix.json, side by side in one process.
//
// Every variant's libvictim.so.1 is dlopen'ed by its full path with RTLD_LOCAL. They share an
// SONAME, but glibc matches a name containing a slash against the paths (and inodes) of loaded
// objects, not against SONAMEs, so each path gives a separate copy; main() checks that (dladdr of
// each variant's function must name that variant's file) instead of assuming it. A library's own
// PLT calls are resolved in the global scope first (this program, which defines no victim_*
// symbol) and then in its own local scope, so each copy binds to itself exactly as when it is the
// only one loaded. Registering every (path, variant) pair in one binary lets Google Benchmark
// interleave their repetitions (--benchmark_enable_random_interleaving), so ratios between
// variants are taken within one run under the same machine noise.
//
// Usage: interposition_bench [--matrix FILE] [--variants DIR] [google benchmark flags]
#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

struct Variant {
  std::string name;
  std::string path;
  int (*check_result)(int) = nullptr;
  int (*run_noinline)() = nullptr;
  int (*read_var)() = nullptr;
  long (*interp_loop)(long) = nullptr;
};

// Rounds per call of victim_interp_loop: long enough that the indirect call from here is noise.
constexpr long kInterpRounds = 100;

template <typename F>
F must_sym(void* handle, const char* name, const std::string& path) {
  void* p = dlsym(handle, name);
  if (p == nullptr) {
    std::fprintf(stderr, "interposition_bench: %s has no %s (rebuild the victim variants)\n",
                 path.c_str(), name);
    std::exit(2);
  }
  // Each variant must bring its own copy: same SONAME, different files.
  Dl_info info{};
  if (dladdr(p, &info) == 0 || path != info.dli_fname) {
    std::fprintf(stderr, "interposition_bench: %s from %s resolved into %s, not a separate copy\n",
                 name, path.c_str(), info.dli_fname != nullptr ? info.dli_fname : "?");
    std::exit(1);
  }
  return reinterpret_cast<F>(p);
}

std::vector<Variant> load_variants(const std::string& matrix, const std::string& dir) {
  std::ifstream in(matrix);
  if (!in) {
    std::fprintf(stderr, "interposition_bench: cannot read %s\n", matrix.c_str());
    std::exit(2);
  }
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("variants")) {
    std::fprintf(stderr, "interposition_bench: %s is not the victim matrix\n", matrix.c_str());
    std::exit(2);
  }
  std::vector<Variant> out;
  for (const auto& v : j["variants"]) {
    Variant x;
    x.name = v.at("name").get<std::string>();
    x.path = dir + "/" + x.name + "/libvictim.so.1";
    void* h = dlopen(x.path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) {
      std::fprintf(stderr, "interposition_bench: skipping %s: %s\n", x.name.c_str(), dlerror());
      continue;
    }
    x.check_result = must_sym<int (*)(int)>(h, "victim_check_result", x.path);
    x.run_noinline = must_sym<int (*)()>(h, "victim_run_noinline", x.path);
    x.read_var = must_sym<int (*)()>(h, "victim_read_var", x.path);
    x.interp_loop = must_sym<long (*)(long)>(h, "victim_interp_loop", x.path);
    // The real values (victim/src/api.c): a wrong one means we are not measuring the victim.
    if (x.check_result(5) != 5 || x.read_var() != 1 || x.interp_loop(1) <= 0) {
      std::fprintf(stderr, "interposition_bench: %s returns unexpected values\n", x.path.c_str());
      std::exit(1);
    }
    out.push_back(std::move(x));
  }
  return out;
}

void register_all(const std::vector<Variant>& variants) {
  for (const Variant& v : variants) {
    auto check = v.check_result;
    auto noinline = v.run_noinline;
    auto var = v.read_var;
    auto loop = v.interp_loop;
    benchmark::RegisterBenchmark(("check_result/" + v.name).c_str(), [check](benchmark::State& s) {
      int x = 5;
      for (auto _ : s) {
        benchmark::DoNotOptimize(x = check(x));
      }
    });
    benchmark::RegisterBenchmark(("run_noinline/" + v.name).c_str(), [noinline](benchmark::State& s) {
      for (auto _ : s) benchmark::DoNotOptimize(noinline());
    });
    benchmark::RegisterBenchmark(("read_var/" + v.name).c_str(), [var](benchmark::State& s) {
      for (auto _ : s) benchmark::DoNotOptimize(var());
    });
    // One iteration = kInterpRounds rounds; the counter lets the report divide without guessing.
    benchmark::RegisterBenchmark(("interp_loop/" + v.name).c_str(), [loop](benchmark::State& s) {
      for (auto _ : s) benchmark::DoNotOptimize(loop(kInterpRounds));
      s.counters["calls_per_iteration"] = static_cast<double>(kInterpRounds);
    });
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string matrix = INTERPROBE_MATRIX_DEFAULT;
  std::string dir = INTERPROBE_VARIANTS_DEFAULT;
  // Take our own flags out before Google Benchmark parses the rest.
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--matrix") == 0 && i + 1 < argc) {
      matrix = argv[++i];
    } else if (std::strcmp(argv[i], "--variants") == 0 && i + 1 < argc) {
      dir = argv[++i];
    } else {
      rest.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 2;
  std::vector<Variant> variants = load_variants(matrix, dir);
  if (variants.empty()) {
    std::fprintf(stderr, "interposition_bench: no variant found under %s\n", dir.c_str());
    return 2;
  }
  register_all(variants);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
