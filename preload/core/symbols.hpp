// symbols.hpp — ids, names and families of the hooked symbols, generated from symbols.def.
//
// The set is fixed at compile time: the installed libprobe.so has symbols.def's; the test-only
// one (victim/probe/) is compiled with PROBE_EXTRA_SYMBOLS and has the specimen's too. A binary
// links one probe_core of one set (probe_core or probe_core_specimen), never both.
#pragma once

#include <cstddef>
#include <string_view>

namespace probe {

enum class Family : unsigned char {
#define PROBE_FAMILY(name, library) name,
#include "symbols.def"
};

inline constexpr std::string_view kFamilyNames[] = {
#define PROBE_FAMILY(name, library) #name,
#include "symbols.def"
};

// "" = listed in every report; else the file name of the library whose presence lists it.
inline constexpr std::string_view kFamilyLibraries[] = {
#define PROBE_FAMILY(name, library) library,
#include "symbols.def"
};

enum class Symbol : unsigned {
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) name,
#include "symbols.def"
};

inline constexpr std::string_view kSymbolNames[] = {
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) #name,
#include "symbols.def"
};

inline constexpr Family kSymbolFamilies[] = {
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) Family::family,
#include "symbols.def"
};

inline constexpr std::size_t kNumSymbols = std::size(kSymbolNames);

constexpr std::string_view symbol_name(Symbol s) { return kSymbolNames[static_cast<unsigned>(s)]; }
constexpr Family family_of(std::size_t sym) { return kSymbolFamilies[sym]; }
constexpr std::string_view family_name(Family f) { return kFamilyNames[static_cast<unsigned>(f)]; }
constexpr std::string_view family_library(Family f) {
  return kFamilyLibraries[static_cast<unsigned>(f)];
}

}  // namespace probe
