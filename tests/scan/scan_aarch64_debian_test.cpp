// scan_aarch64_debian_test.cpp — Debian's own arm64 builds, scanned from this x86-64 machine and
// held to binutils: for every exported symbol of libpython3.11 and libz, the relocations against
// it (JUMP_SLOT, GLOB_DAT, ABS64) are what `readelf -rW` lists, its direct branch sites are the
// `bl`/`b`/`b.cond`/`cbz`/`tbz` that `aarch64-linux-gnu-objdump -d` shows going to it, and its
// sites through the PLT are those objdump shows going to `<sym@plt>` (GNU ld's 16-byte stubs,
// which objdump labels right). Symbols that share their address with another one are left out:
// objdump names a branch target after one of them only.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "aarch64_files.hpp"
#include "exec.hpp"
#include "scanner.hpp"

namespace {

using namespace interprobe;
using namespace interprobe::scan;
using namespace interprobe::scan::checks;

struct Binutils {
  std::map<std::string, std::size_t> direct, via_plt;                // by name
  std::map<std::string, std::map<std::string, std::size_t>> relocs;  // name -> type -> count
};

std::string base_name(const std::string& versioned) {
  return versioned.substr(0, versioned.find('@'));
}

Binutils binutils(const std::string& path) {
  Binutils b;
  ExecOptions o;
  o.timeout = std::chrono::seconds(300);
  const Env env = current_environment();
  ExecResult d = exec({TEST_AARCH64_OBJDUMP, "-d", "--no-show-raw-insn", path}, env, o);
  EXPECT_TRUE(d.exited && d.exit_status == 0) << "objdump " << path << ": " << d.describe();
  std::istringstream dis(d.out);
  for (std::string line; std::getline(dis, line);) {
    // "  113ab4:\tbl\t104100 <PyErr_Occurred@@Base>"; "+0x.." targets are inside a function.
    std::istringstream in(line);
    std::string addr, mnemonic, target, name;
    if (!(in >> addr >> mnemonic) || addr.back() != ':') continue;
    const bool branch = mnemonic == "b" || mnemonic == "bl" || mnemonic.rfind("b.", 0) == 0 ||
                        mnemonic == "cbz" || mnemonic == "cbnz" || mnemonic == "tbz" ||
                        mnemonic == "tbnz";
    const std::size_t lt = line.rfind('<'), gt = line.rfind('>');
    if (!branch || lt == std::string::npos || gt < lt) continue;
    name = line.substr(lt + 1, gt - lt - 1);
    if (name.find('+') != std::string::npos) continue;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, "@plt") == 0)
      ++b.via_plt[name.substr(0, name.size() - 4)];
    else
      ++b.direct[base_name(name)];
  }
  ExecResult r = exec({"readelf", "-rW", path}, env, o);
  EXPECT_TRUE(r.exited && r.exit_status == 0) << "readelf " << path << ": " << r.describe();
  std::istringstream rel(r.out);
  for (std::string line; std::getline(rel, line);) {
    // "000000000061f980  0000083500000401 R_AARCH64_GLOB_DAT  00000000006395a8 PyPickle.. + 0"
    std::istringstream in(line);
    std::string offset, info, type, value, name;
    if (!(in >> offset >> info >> type >> value >> name) || type.rfind("R_AARCH64_", 0) != 0)
      continue;
    ++b.relocs[base_name(name)][type];
  }
  return b;
}

std::size_t count(const std::map<std::string, std::size_t>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? 0 : it->second;
}

// Every export with an address of its own, against binutils; returns the scan.
LibraryReport expect_agrees_with_binutils(const std::string& path) {
  const LibraryReport r = scan_file(path, {});
  EXPECT_TRUE(r.error.empty()) << path << ": " << r.error;
  EXPECT_EQ(r.facts.machine, "aarch64");
  const Binutils b = binutils(path);
  std::map<std::uint64_t, int> at;  // exported symbols per address
  for (auto& s : r.symbols) ++at[s.address];
  std::size_t checked = 0;
  for (auto& s : r.symbols) {
    const std::string ctx = path + " " + s.name;
    const auto rel =
        b.relocs.count(s.name) ? b.relocs.at(s.name) : std::map<std::string, std::size_t>{};
    EXPECT_EQ(s.jump_slot, count(rel, "R_AARCH64_JUMP_SLOT")) << ctx;
    EXPECT_EQ(s.glob_dat, count(rel, "R_AARCH64_GLOB_DAT")) << ctx;
    EXPECT_EQ(s.absolute, count(rel, "R_AARCH64_ABS64")) << ctx;
    if (s.type != "func" || at[s.address] > 1) continue;
    // objdump counts every branch to the name; the scanner keeps a function's branches to itself
    // (recursion: GCC binds them directly) apart as SELF, in the caller entry named after it.
    std::size_t self_direct = 0, self_got = 0;
    for (const auto& c : s.callers)
      if (r.callers[c.caller] == s.name) self_direct += c.direct, self_got += c.got;
    EXPECT_EQ(s.direct_sites + self_direct, count(b.direct, s.name)) << ctx;
    if (s.jump_slot > 0) { EXPECT_EQ(s.got_sites + self_got, count(b.via_plt, s.name)) << ctx; }
    ++checked;
  }
  EXPECT_GT(checked, r.symbols.size() / 2) << path;
  return r;
}

const SymbolReport& symbol(const LibraryReport& r, const std::string& name) {
  for (auto& s : r.symbols)
    if (s.name == name) return s;
  throw std::runtime_error(name + " not exported by " + r.path);
}

// Debian links libpython3.11 with -Bsymbolic-functions on arm64 as on amd64: PyErr_Occurred is
// reached by direct `bl` only (1,583 in 3.11.2-6+deb12u9; objdump also shows 2 `bl` and 1 `b` to
// <PyErr_Occurred@@Base+0x18/+0x30/+0x60>, local functions after its 24 bytes, not calls of it),
// no PLT stub, no JUMP_SLOT: bound internally, as on amd64.
TEST(DebianArm64, LibpythonAgreesWithObjdumpAndReadelf) {
  if (!have_debian_arm64()) return;
  const LibraryReport r = expect_agrees_with_binutils(kArm64Libpython);
  const SymbolReport& s = symbol(r, "PyErr_Occurred");
  EXPECT_GE(s.direct_sites, 1500u);
  EXPECT_EQ(s.got_sites + s.jump_slot, 0u);
  EXPECT_EQ(s.verdict, SymVerdict::bound);
  // Data keeps its GOT slot under -Bsymbolic-functions: interposable, as on amd64.
  EXPECT_EQ(symbol(r, "_Py_NoneStruct").verdict, SymVerdict::interposable);
  EXPECT_GT(symbol(r, "_Py_NoneStruct").got_sites, 1000u);
}

// zlib's own calls of its exports go through its PLT (adler32, crc32, inflateReset, ...).
TEST(DebianArm64, LibzAgreesWithObjdumpAndReadelf) {
  if (!have_debian_arm64()) return;
  const LibraryReport r = expect_agrees_with_binutils(kArm64Libz);
  EXPECT_EQ(symbol(r, "adler32").verdict, SymVerdict::interposable);
  EXPECT_GT(symbol(r, "adler32").got_sites, 0u);
}

}  // namespace
