// symbols.hpp — ids and names of the hooked symbols, generated from symbols.def.
#pragma once

#include <cstddef>
#include <string_view>

namespace probe {

enum class Symbol : unsigned {
#define PROBE_SYMBOL(name, family) name,
#include "symbols.def"
#undef PROBE_SYMBOL
};

inline constexpr std::string_view kSymbolNames[] = {
#define PROBE_SYMBOL(name, family) #name,
#include "symbols.def"
#undef PROBE_SYMBOL
};

inline constexpr std::string_view kSymbolFamilies[] = {
#define PROBE_SYMBOL(name, family) #family,
#include "symbols.def"
#undef PROBE_SYMBOL
};

inline constexpr std::size_t kNumSymbols = std::size(kSymbolNames);

// The bundled specimen library (victim/), whose functions the victim family overrides.
inline constexpr std::string_view kVictimLibrary = "libvictim.so.1";

constexpr std::string_view symbol_name(Symbol s) { return kSymbolNames[static_cast<unsigned>(s)]; }

}  // namespace probe
