// binutils_sites.hpp — an oracle for the scanner's per-caller site counts, read from binutils'
// text alone: `readelf -sW` (who holds an address), `readelf -rW` (which GOT slot belongs to which
// symbol) and `objdump -d` (its own decoder, its own PLT stub names `<f@plt>`). Per exported
// function and caller: PLT/GOT sites (`call/jmp <f@plt>`, and any instruction whose RIP-relative
// operand objdump resolves to f's JUMP_SLOT/GLOB_DAT slot) and direct sites (call/jmp/jcc to f's
// address). Callers are the .symtab functions (else .dynsym's) holding the instruction, named up
// to their first '.', as docs/SCAN.md says; "" where no function symbol holds it.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "exec.hpp"

namespace binutils {

struct Counts {
  std::size_t got = 0, direct = 0;
  bool operator==(const Counts& o) const { return got == o.got && direct == o.direct; }
};
// (symbol, caller) -> counts
using SiteMap = std::map<std::pair<std::string, std::string>, Counts>;

inline std::string run(const std::vector<std::string>& argv) {
  interprobe::ExecResult r = interprobe::exec(argv, interprobe::current_environment());
  if (!r.exited || r.exit_status != 0) throw std::runtime_error(argv[0] + ": " + r.describe());
  return r.out;
}

struct Function {
  std::uint64_t start, end;
  std::string name;
  bool global;
};

inline SiteMap sites(const std::string& lib) {
  // Symbols: .dynsym's exported functions (the targets), .symtab's (else .dynsym's) functions.
  std::map<std::uint64_t, std::string> exported;  // address -> name
  std::vector<Function> dyn, tab;
  {
    std::istringstream in(run({"readelf", "-sW", lib}));
    std::vector<Function>* into = &dyn;
    for (std::string line; std::getline(in, line);) {
      if (line.find("Symbol table '.symtab'") != std::string::npos) into = &tab;
      std::istringstream f(line);
      std::string num, value, size, type, bind, vis, ndx, name;
      if (!(f >> num >> value >> size >> type >> bind >> vis >> ndx >> name)) continue;
      if (num.back() != ':' || (type != "FUNC" && type != "IFUNC") || ndx == "UND") continue;
      const std::uint64_t v = std::stoull(value, nullptr, 16), n = std::stoull(size, nullptr, 0);
      const std::string base = name.substr(0, name.find('@'));
      if (into == &dyn && bind != "LOCAL" && vis == "DEFAULT") exported[v] = base;
      if (n > 0) into->push_back({v, v + n, base.substr(0, base.find('.', 1)), bind != "LOCAL"});
    }
  }
  std::vector<Function>& holders = tab.empty() ? dyn : tab;
  // At one start (aliases, functions IPA-ICF folded into one): the global name first, then the
  // longest, then the alphabetically first, as docs/SCAN.md says.
  std::sort(holders.begin(), holders.end(), [](const Function& a, const Function& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.global != b.global) return a.global;
    if (a.end != b.end) return a.end > b.end;
    return a.name < b.name;
  });
  auto caller = [&](std::uint64_t a) -> std::string {
    auto it = std::upper_bound(holders.begin(), holders.end(), a,
                               [](std::uint64_t x, const Function& f) { return x < f.start; });
    while (it != holders.begin()) {
      --it;
      if (it->start > a) continue;
      if (a < it->end) {
        // The first of several symbols at this start.
        auto first = it;
        while (first != holders.begin() && std::prev(first)->start == it->start) --first;
        return first->name;
      }
      return "";
    }
    return "";
  };
  // GOT slots against exported symbols.
  std::map<std::uint64_t, std::string> slot;
  {
    std::istringstream in(run({"readelf", "-rW", lib}));
    for (std::string line; std::getline(in, line);) {
      std::istringstream f(line);
      std::string offset, info, type, value, name;
      if (!(f >> offset >> info >> type >> value >> name)) continue;
      if (type != "R_X86_64_JUMP_SLOT" && type != "R_X86_64_GLOB_DAT") continue;
      slot[std::stoull(offset, nullptr, 16)] = name.substr(0, name.find('@'));
    }
  }
  SiteMap out;
  std::istringstream in(run({"objdump", "-d", "-w", "--no-show-raw-insn", lib}));
  auto hex = [](const std::string& t, std::size_t from, std::uint64_t& v) {
    std::size_t n = 0;
    while (from + n < t.size() && std::isxdigit(static_cast<unsigned char>(t[from + n]))) ++n;
    if (n == 0) return false;
    v = std::stoull(t.substr(from, n), nullptr, 16);
    return true;
  };
  bool plt = false;
  // "    1144:\tcall   1040 <fx_direct@plt>", "    11f4:\tmov    0x2ecd(%rip),%rax   # 40c8 <..>"
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Disassembly of section ", 0) == 0) {
      plt = line.find(".plt") != std::string::npos;
      continue;
    }
    const std::size_t colon = line.find(":\t");
    std::uint64_t at = 0;
    if (plt || line.empty() || line[0] != ' ' || colon == std::string::npos) continue;
    if (!hex(line, line.find_first_not_of(' '), at)) continue;
    const std::size_t mn = colon + 2, sp = line.find(' ', mn);
    const std::string mnemonic = line.substr(mn, sp == std::string::npos ? sp : sp - mn);
    const std::size_t ops = sp == std::string::npos ? line.size() : line.find_first_not_of(' ', sp);
    std::uint64_t target = 0;
    const bool branch = mnemonic[0] == 'j' || mnemonic.rfind("call", 0) == 0;
    if (branch && ops != std::string::npos && hex(line, ops, target) &&
        line.find(" <", ops) != std::string::npos) {
      const std::size_t lt = line.find(" <", ops) + 2, gt = line.find('>', lt);
      const std::string name = line.substr(lt, gt - lt);
      if (name.size() > 4 && name.compare(name.size() - 4, 4, "@plt") == 0)
        ++out[{name.substr(0, name.find('@')), caller(at)}].got;
      else if (auto e = exported.find(target); e != exported.end())
        ++out[{e->second, caller(at)}].direct;
    } else if (const std::size_t hash = line.find("# ", ops == std::string::npos ? 0 : ops);
               hash != std::string::npos && hex(line, hash + 2, target)) {
      if (auto sl = slot.find(target); sl != slot.end()) ++out[{sl->second, caller(at)}].got;
    }
  }
  return out;
}

}  // namespace binutils
