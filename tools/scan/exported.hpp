// exported.hpp — the one rule of "exported" for scan, check and the shim generator: a dynamic
// symbol's binding and visibility let other objects bind to it. Global, weak or unique; default
// or protected (protected: exported, though the library's own references stay bound). A
// definition also needs a section (shndx != SHN_UNDEF), which each caller checks its own way.
#pragma once

#include <cstdint>

namespace interprobe::scan {

bool binds_across_objects(std::uint8_t bind, std::uint8_t visibility);  // shared_library.cpp

}  // namespace interprobe::scan
