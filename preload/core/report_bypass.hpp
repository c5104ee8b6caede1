// report_bypass.hpp — the renderer's PROBE_BYPASS parts (report_bypass.cpp), private to
// report.cpp: one function's bypass record in JSON and in text (docs/BYPASS.md).
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

#include "report.hpp"

namespace probe {

// The name of object `id` (an ObjectId), "[unknown]" outside the list.
inline std::string_view object_name(const std::vector<std::string>& objects, std::size_t id) {
  return id < objects.size() ? std::string_view(objects[id]) : std::string_view("[unknown]");
}

// Appends ,"bypass":{...} for one function (docs/REPORT_FORMAT.md).
void json_bypass(fmt::memory_buffer& out, const BypassFacts& r,
                 const std::vector<std::string>& objects);
// Appends the text report's PROBE_BYPASS rows of one function (nothing if it was patched and
// never reached). The heading is text_bypass_heading.
void text_bypass(fmt::memory_buffer& out, std::string_view name, const BypassFacts& r,
                 const std::vector<std::string>& objects);
void text_bypass_heading(fmt::memory_buffer& out);

}  // namespace probe
