// scan_fuzz.cpp — libFuzzer target on the scanner's ELF-reading entry point (scan_bytes): libelf
// headers and tables, relocations, PLT stub decoding, both decoders of each instruction set
// (x86-64: Zydis, capstone; aarch64: the built-in one, capstone) over the executable sections
// (capstone's on two threads, sweep.hpp) and libdw's DWARF walk, on mutated shared objects; then the three renderings of the result, whose JSON must parse (symbol
// names are whatever bytes the input has). Any crash, ASan report or hang fails the ctest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "scan_render.hpp"
#include "scanner.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace interprobe::scan;
  for (auto d : {Decoder::standard, Decoder::capstone}) {
    ScanOptions o;
    o.decoder = d;
    o.threads = d == Decoder::capstone ? 2 : 1;
    const std::vector<LibraryReport> r = {scan_bytes({data, size}, o)};
    if (!nlohmann::json::accept(render_json(r))) std::abort();
    (void)render_text(r, {});
    (void)render_markdown(r, {});
  }
  return 0;
}
