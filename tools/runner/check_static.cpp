// check_static.cpp — the static half of `interprobe check`: THE integration point for
// `interprobe scan`.
//
// What belongs here: for each symbol of req.symbols, read req.library's own references to it
// (JUMP_SLOT/GLOB_DAT relocations against it, call sites into its PLT stub, DT_SYMBOLIC, protected
// visibility, `.localalias`; DOMAIN.md "Reading interposability from an ELF file") and set
// findings[symbol].interposable plus a one-line evidence, then checked = true. run_check() already
// combines this half with the runtime half and renders disagreements.
//
// Today the scanner is not part of this build, so this half says so and checks nothing. It must
// not guess: a "not checked" never counts as a pass (run_check() fails a request in which no half
// checked anything).
#include "check.hpp"

namespace interprobe {

HalfResult check_static(const CheckRequest& /*req*/, const DynamicSymbols& /*syms*/,
                        std::string* /*error*/) {
  HalfResult r;
  r.checked = false;
  r.note = "not checked: interprobe scan unavailable (this build has no static scanner)";
  return r;
}

}  // namespace interprobe
