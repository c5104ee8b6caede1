// backend.cpp — aarch64 has no entry patcher yet: every function is refused with
// Refusal::no_backend, so PROBE_BYPASS=1 reports "not patched" for each definition and counts
// nothing, and everything else of libprobe.so works as on x86-64. What a backend must provide
// (BTI landing pads, ADRP/literal relocation, the icache flush, the ±128 MiB reach of `b`) is
// listed in ../README.md.
#include "backend.hpp"

namespace interprobe::patch {

Backend* host_backend(Refusal& why) {
  why = Refusal::no_backend;
  return nullptr;
}

}  // namespace interprobe::patch
