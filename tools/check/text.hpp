// text.hpp — plain-text layout for the CLI's own reports (check, run --shim-for): long
// explanations wrapped at a width a terminal and a build log both show whole.
#pragma once

#include <string>
#include <vector>

namespace interprobe {

inline constexpr std::size_t kTextWidth = 100;

// `text` broken at spaces into lines of at most `width` characters (a longer word stays whole),
// the first prefixed by `first`, the others by `rest`.
std::vector<std::string> wrap(const std::string& text, const std::string& first,
                              const std::string& rest, std::size_t width = kTextWidth);

// 39244 -> "39,244": counts in sentences (run --shim-for --bypass's summary).
std::string group_digits(unsigned long long n);

}  // namespace interprobe
