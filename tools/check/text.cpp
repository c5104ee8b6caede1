// text.cpp — see text.hpp.
#include "text.hpp"

#include <sstream>

namespace interprobe {

std::vector<std::string> wrap(const std::string& text, const std::string& first,
                              const std::string& rest, std::size_t width) {
  std::vector<std::string> lines;
  std::string line = first;
  bool empty = true;  // nothing but the prefix on `line` yet
  std::istringstream words(text);
  for (std::string w; words >> w;) {
    if (!empty && line.size() + 1 + w.size() > width) {
      lines.push_back(line);
      line = rest;
      empty = true;
    }
    line += (empty ? "" : " ") + w;
    empty = false;
  }
  if (!empty || lines.empty()) lines.push_back(line);
  return lines;
}

std::string group_digits(unsigned long long n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace interprobe
