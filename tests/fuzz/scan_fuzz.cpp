// scan_fuzz.cpp — libFuzzer target on the scanner's ELF-reading entry point (scan_bytes): libelf
// headers and tables, relocations, PLT stub decoding, both x86-64 decoders (Zydis, capstone) over
// the executable sections and libdw's DWARF walk, on mutated shared objects. Any crash, ASan
// report or hang fails the ctest.
#include <cstddef>
#include <cstdint>

#include "scanner.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  for (auto d : {interprobe::scan::Decoder::zydis, interprobe::scan::Decoder::capstone}) {
    interprobe::scan::ScanOptions o;
    o.decoder = d;
    interprobe::scan::LibraryReport r = interprobe::scan::scan_bytes({data, size}, o);
    (void)r;
  }
  return 0;
}
