// man_page.cpp — see man_page.hpp. man(7): .TH, .SH, .TP, .B/.I, \- for a minus in an option name.
#include "man_page.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdint>
#include <sstream>
#include <vector>

#include "commands.hpp"

namespace interprobe::cli {

namespace {

// Backslashes as \e; every '-' as \-, the minus sign that man(7) wants in option names and
// commands (a bare '-' may print as a hyphen, which a shell does not take when copied).
// Other characters than ASCII as groff's \[uXXXX] (the texts are UTF-8, groff reads Latin-1
// unless preconv runs first, which man-db does and `groff -man` does not).
std::string escape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      const int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
      std::uint32_t cp = c & (0x3f >> extra);
      for (int k = 0; k < extra && i + 1 < s.size(); ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[++i]) & 0x3f);
      out += fmt::format("\\[u{:04X}]", cp);
    }
  }
  return out;
}

// An option or command name in bold, its minus signs as \- (a hyphen would break copy-paste).
std::string bold_name(const std::string& name) {
  std::string out = "\\fB";
  for (char c : name) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out + "\\fR";
}

// The first sentence of a description (". " not after another '.', as in "ARGS... with").
std::string first_sentence(const std::string& description) {
  std::size_t end = 0;
  while ((end = description.find(". ", end)) != std::string::npos && end > 0 &&
         description[end - 1] == '.')
    ++end;
  std::string s = description.substr(0, end);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// The NAME line (whatis, apropos): the command's one-line summary.
std::string name_line(const std::string& summary) {
  std::string s = summary;
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

std::string value_text(const CLI::Option& o) {
  if (o.get_type_size() == 0) return "";  // a flag
  return o.get_option_text().empty() ? o.get_type_name() : o.get_option_text();
}

// "--report, -r PATH" as .TP's tag.
std::string option_tag(const CLI::Option& o) {
  std::vector<std::string> names;
  for (const std::string& s : o.get_snames()) names.push_back("-" + s);
  for (const std::string& l : o.get_lnames()) names.push_back("--" + l);
  std::string tag;
  for (const std::string& n : names) tag += (tag.empty() ? "" : ", ") + bold_name(n);
  if (const std::string v = value_text(o); !v.empty()) tag += " \\fI" + escape(v) + "\\fR";
  return tag;
}

std::string option_help(const CLI::Option& o) {
  std::string text = o.get_description();
  if (!o.get_default_str().empty()) text += fmt::format(" (default: {})", o.get_default_str());
  if (o.get_required()) text += " Required.";
  return roff_text(text);
}

std::string synopsis(const CLI::App& sub) {
  std::string out = ".SY \"interprobe " + sub.get_name() + "\"\n";
  for (const CLI::Option* o : sub.get_options()) {
    if (!o->nonpositional() || o->get_group().empty()) continue;
    if (o->get_lnames().size() == 1 && o->get_lnames()[0] == "help") continue;
    const std::string name =
        o->get_lnames().empty() ? "-" + o->get_snames()[0] : "--" + o->get_lnames()[0];
    const std::string v = value_text(*o);
    out += fmt::format("{}{}{}{}\n", o->get_required() ? "" : "[", bold_name(name),
                       v.empty() ? "" : " \\fI" + escape(v) + "\\fR", o->get_required() ? "" : "]");
  }
  for (const CLI::Option* o : sub.get_options()) {
    if (o->nonpositional()) continue;
    std::string name = o->get_name();
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const bool many = o->get_items_expected_max() > 1;
    const std::string word = fmt::format("\\fI{}\\fR{}", escape(name), many ? " ..." : "");
    out += (sub.get_positionals_at_end() ? "[\\fB\\-\\-\\fR] " : "") +
           (o->get_required() ? word : "[" + word + "]") + "\n";
  }
  return out + ".YS\n";
}

std::string header(const std::string& title, const std::string& version) {
  return fmt::format(".TH {} 1 \"\" \"interprobe {}\" \"User Commands\"\n", title, version);
}

}  // namespace

std::string roff_text(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  bool verbatim = false, first = true;
  for (std::string line; std::getline(in, line);) {
    const bool indented = line.rfind("  ", 0) == 0;
    if (indented && !verbatim) out += ".RS\n.nf\n";
    if (!indented && verbatim) out += ".fi\n.RE\n";
    // Each line of a text is a statement of its own (CLI11 texts break lines only there).
    if (!indented && !first && !verbatim) out += ".br\n";
    verbatim = indented;
    first = false;
    std::string l = escape(indented ? line.substr(2) : line);
    if (!l.empty() && (l[0] == '.' || l[0] == '\'')) l = "\\&" + l;
    out += l + "\n";
  }
  if (verbatim) out += ".fi\n.RE\n";
  return out;
}

std::string top_man_page(const CLI::App& app, const std::string& version) {
  std::string out = header("INTERPROBE", version);
  out +=
      ".SH NAME\ninterprobe \\- " + escape(name_line(first_sentence(app.get_description()))) + "\n";
  out += ".SH SYNOPSIS\n.SY interprobe\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n.YS\n";
  out += ".SY interprobe\n[\\fB\\-\\-help\\fR] [\\fB\\-\\-version\\fR]\n.YS\n";
  out += ".SH DESCRIPTION\n" + roff_text(app.get_description());
  out += ".SH COMMANDS\n";
  std::string see;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    out += fmt::format(".TP\n{}\n{}See \\fBinterprobe\\-{}\\fR(1).\n", bold_name(sub->get_name()),
                       roff_text(command_summary(sub->get_name()) + "."), sub->get_name());
    see += fmt::format(".BR interprobe\\-{} (1),\n", sub->get_name());
  }
  out += ".SH NOTES\n" + roff_text(app.get_footer());
  if (!see.empty()) see.erase(see.size() - 2);  // the last ",\n"
  out += ".SH SEE ALSO\n" + see + "\n";
  return out;
}

std::string command_man_page(const CLI::App& app, const CLI::App& sub, const std::string& version) {
  std::string title = "INTERPROBE-" + sub.get_name();
  for (char& c : title) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string out = header(title, version);
  out += fmt::format(".SH NAME\ninterprobe\\-{} \\- {}\n", sub.get_name(),
                     escape(name_line(command_summary(sub.get_name()))));
  out += ".SH SYNOPSIS\n" + synopsis(sub);
  out += ".SH DESCRIPTION\n" + roff_text(sub.get_description());
  out += ".SH OPTIONS\n";
  for (const CLI::Option* o : sub.get_options()) {
    if (o->get_group().empty()) continue;  // hidden
    if (o->nonpositional())
      out += ".TP\n" + option_tag(*o) + "\n" + option_help(*o);
    else
      out += fmt::format(".TP\n\\fI{}\\fR\n{}", escape(o->get_name()), option_help(*o));
  }
  if (!sub.get_footer().empty()) out += ".SH NOTES\n" + roff_text(sub.get_footer());
  out += ".SH SEE ALSO\n.BR interprobe (1)";
  for (const CLI::App* other : app.get_subcommands([](const CLI::App*) { return true; }))
    if (other != &sub) out += fmt::format(",\n.BR interprobe\\-{} (1)", other->get_name());
  return out + "\n";
}

}  // namespace interprobe::cli
