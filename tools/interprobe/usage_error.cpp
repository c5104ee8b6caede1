// usage_error.cpp — see usage_error.hpp.
#include "usage_error.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace interprobe::cli {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i)
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[n][m];
}

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 3;
  for (const std::string& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance && 2 * d < std::max(word.size(), c.size())) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

namespace {

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  return names;
}

std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* o : app.get_options()) {
    for (const std::string& l : o->get_lnames()) names.push_back("--" + l);
    for (const std::string& s : o->get_snames()) names.push_back("-" + s);
  }
  return names;
}

// The word a user mistyped and what it was probably meant to be; "" if there is no guess.
std::string suggestion(const CLI::App& app, const CLI::App* sub,
                       const std::vector<std::string>& args) {
  if (sub == nullptr) {
    // The top level has no options that take a value: its first word that is not an option
    // should have been a command.
    for (const std::string& a : args) {
      if (a.rfind("-", 0) == 0) {
        if (std::string n = nearest(a, option_names(app)); !n.empty())
          return fmt::format("unknown option '{}'; did you mean '{}'?", a, n);
        continue;
      }
      const std::vector<std::string> names = subcommand_names(app);
      const std::string n = nearest(a, names);
      return fmt::format("'{}' is not an interprobe command{}; the commands are {}", a,
                         n.empty() ? "" : fmt::format(" (did you mean '{}'?)", n),
                         fmt::join(names, ", "));
    }
    return "";
  }
  for (const std::string& a : sub->remaining())
    if (a.rfind("-", 0) == 0)
      if (std::string n = nearest(a.substr(0, a.find('=')), option_names(*sub)); !n.empty())
        return fmt::format("unknown option '{}'; did you mean '{}'?", a, n);
  return "";
}

}  // namespace

int report_usage_error(const CLI::App& app, const CLI::ParseError& e,
                       const std::vector<std::string>& args) {
  const std::vector<CLI::App*> parsed = app.get_subcommands();
  const CLI::App* sub = parsed.empty() ? nullptr : parsed.front();
  const std::string where = sub == nullptr ? "interprobe" : "interprobe " + sub->get_name();
  const std::string guess = suggestion(app, sub, args);
  // The guess names what was wrong more precisely than CLI11 does ("A subcommand is required"
  // for a mistyped command, "The following argument was not expected" for a mistyped option).
  fmt::print(stderr, "{}: {}\n", where, guess.empty() ? std::string(e.what()) : guess);
  fmt::print(stderr, "Run '{} --help' for usage.\n", where);
  return 2;
}

}  // namespace interprobe::cli
