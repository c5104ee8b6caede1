// generator.cpp — see generator.hpp.
#include "generator.hpp"

#include <elf.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "arch.hpp"
#include "elf_image.hpp"
#include "exec.hpp"
#include "exported.hpp"

#ifndef INTERPROBE_BUILD_SHIM_RUNTIME
#define INTERPROBE_BUILD_SHIM_RUNTIME ""
#endif
#ifndef INTERPROBE_BUILD_TREE
#define INTERPROBE_BUILD_TREE ""
#endif

namespace fs = std::filesystem;

namespace interprobe::shim {

namespace {

// preload/shim/sparse_counts.hpp: kMaxSymbols (symbol index and object id share a 32-bit key).
constexpr std::size_t kMaxTrampolines = (std::size_t{1} << 24) - 1;

bool exported(const DynSymbol& s) {
  return s.section != SHN_UNDEF && scan::binds_across_objects(s.binding, s.visibility);
}

std::string type_name(unsigned type) {
  switch (type) {
    case STT_NOTYPE: return "STT_NOTYPE";
    case STT_OBJECT: return "STT_OBJECT";
    case STT_FUNC: return "STT_FUNC";
    case STT_TLS: return "STT_TLS";
    case STT_COMMON: return "STT_COMMON";
    case STT_GNU_IFUNC: return "STT_GNU_IFUNC";
    default: return fmt::format("type {}", type);
  }
}

// Why `s` gets no trampoline, or "" if it gets one.
std::string skip_reason(const DynSymbol& s, const std::set<std::string>& runtime_needs,
                        const ArchTemplate& arch) {
  // Absolute first: GNU ld gives each version a library defines (zlib's ZLIB_1.2.2, ...) a
  // symbol of that name, STT_OBJECT, SHN_ABS, value 0 (readelf --dyn-syms): no variable either.
  if (s.section == SHN_ABS)
    return fmt::format(
        "no code ({}, absolute): a version name or a linker-defined marker, "
        "not a function or a variable",
        type_name(s.type));
  if (s.type == STT_OBJECT || s.type == STT_TLS || s.type == STT_COMMON)
    return fmt::format("data ({}): a variable is read, not called, so there is no call for a "
                       "trampoline to count or forward", type_name(s.type));
  if (s.type == STT_NOTYPE)
    return fmt::format("no code ({}): a linker-defined marker", type_name(s.type));
  if (s.type != STT_FUNC && s.type != STT_GNU_IFUNC)
    return fmt::format("{} is not a function", type_name(s.type));
  if (s.name == "_init" || s.name == "_fini")
    return "every shared object has its own, the shim included (C runtime start files)";
  if (s.name.rfind("interprobe_shim_", 0) == 0) return "the name is reserved for the shim runtime";
  if (runtime_needs.count(s.name) != 0)
    return "the shim runtime calls it itself (to resolve definitions and write its report): a "
           "trampoline would recurse";
  for (unsigned char c : s.name)
    if (c == '"' || c == '\\' || c < 0x21 || c >= 0x7f)
      return "the name has characters the assembler cannot take";
  return arch.unsupported(s);
}

// "x86-64 and aarch64": the machines with a backend (arch.cpp), for the message that rejects
// another one.
std::string supported_machines() {
  std::string out;
  for (std::uint16_t m : backend_machines())
    out += (out.empty() ? "" : " and ") + scan::machine_name(m);
  return out;
}

bool is_host(std::uint16_t machine) { return machine == scan::host_machine(); }

}  // namespace

ShimPlan plan_shim(const PlanRequest& request) {
  ElfSymbols es = read_dynamic_symbols(request.library);
  const ArchTemplate* arch = arch_for_machine(es.machine);
  if (es.machine != scan::host_machine() && !(request.any_machine && arch != nullptr))
    throw InputError(fmt::format(
        "'{}' is a {} library; this interprobe makes shims for {}", request.library,
        scan::machine_name(es.machine),
        request.any_machine ? supported_machines() : scan::machine_name(scan::host_machine())));
  if (arch == nullptr || !es.is_64)
    throw InputError(fmt::format("'{}': no trampoline template for {} yet (tools/shim/arch.hpp)",
                                 request.library, scan::machine_name(es.machine)));
  const std::set<std::string> needs(request.runtime_needs.begin(), request.runtime_needs.end());
  ShimPlan plan;
  plan.library = request.library;
  plan.arch = scan::machine_name(es.machine);
  plan.machine = es.machine;

  std::map<std::string, const DynSymbol*> defined;  // first exported definition of each name
  std::set<std::string> referenced;                 // undefined references
  for (const DynSymbol& s : es.symbols) {
    if (exported(s))
      defined.emplace(s.name, &s);
    else if (s.section == SHN_UNDEF)
      referenced.insert(s.name);
  }

  if (request.all_exported) {
    std::set<std::string> seen;
    for (const DynSymbol& s : es.symbols) {
      if (!exported(s) || !seen.insert(s.name).second) continue;  // versions of one name: once
      std::string why = skip_reason(s, needs, *arch);
      if (why.empty())
        plan.trampolined.push_back(s.name);
      else
        plan.skipped.push_back({s.name, why});
    }
    if (plan.trampolined.size() >= kMaxTrampolines)
      throw InputError(fmt::format("'{}' exports {} functions; a shim takes at most {}",
                                   request.library, plan.trampolined.size(), kMaxTrampolines - 1));
    if (plan.trampolined.empty())
      throw InputError(fmt::format("'{}' exports no function that can be trampolined", request.library));
    return plan;
  }

  if (request.symbols.empty()) throw InputError("no symbols requested (use --symbols or --all-exported)");
  std::set<std::string> seen;
  for (const std::string& name : request.symbols) {
    if (!seen.insert(name).second) continue;
    auto it = defined.find(name);
    if (it == defined.end()) {
      if (referenced.count(name) != 0)
        throw InputError(fmt::format("'{}' does not export '{}' (it only refers to it)",
                                     request.library, name));
      throw InputError(fmt::format("'{}' does not export '{}'", request.library, name));
    }
    std::string why = skip_reason(*it->second, needs, *arch);
    if (!why.empty())
      throw InputError(fmt::format("cannot trampoline '{}' of '{}': {}", name, request.library, why));
    plan.trampolined.push_back(name);
  }
  return plan;
}

std::string default_runtime_path(std::uint16_t machine) {
  if (const char* env = std::getenv("INTERPROBE_SHIM_RUNTIME"); env != nullptr && *env != '\0')
    return env;
  // Installed: beside libprobe.so, at a path relative to the running executable that stays true
  // when the installed tree moves (as tools/process/artifacts.cpp finds libprobe.so); another
  // machine's in a directory named after its processor there (cmake/InterprobeInstall.cmake).
  const ShimBackend* b = is_host(machine) ? nullptr : backend_for_machine(machine);
  if (!is_host(machine) && b == nullptr) return "";
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = (exe.parent_path() / INTERPROBE_SHIM_RT_FROM_BINDIR).lexically_normal();
    if (b != nullptr) installed = installed.parent_path() / b->processor / installed.filename();
    if (fs::is_regular_file(installed, ec)) return installed.string();
  }
  // The build tree's: its own, or its cross build's for that machine (cmake/InterprobeCross.cmake).
  if (b != nullptr)
    return fmt::format("{}/{}/lib/interprobe/libinterprobe_shim_rt.a", INTERPROBE_BUILD_TREE,
                       b->processor);
  return INTERPROBE_BUILD_SHIM_RUNTIME;
}

std::string default_runtime_path() { return default_runtime_path(scan::host_machine()); }

std::string foreign_runtime_defaults() {
  std::string out;
  for (const std::uint16_t m : backend_machines())
    if (!is_host(m))
      out += fmt::format("; {} library: {}", scan::machine_name(m), default_runtime_path(m));
  return out;
}

void require_runtime(const std::string& runtime, std::uint16_t machine) {
  const std::string name = scan::machine_name(machine);
  if (runtime.empty() || !fs::is_regular_file(runtime)) {
    if (is_host(machine))
      throw InputError(
          fmt::format("the shim runtime '{}' is not there (build interprobe, or set "
                      "INTERPROBE_SHIM_RUNTIME / --runtime)",
                      runtime));
    throw InputError(fmt::format(
        "the {} shim runtime '{}' is not there (build interprobe with the {} cross toolchain: "
        "its target probe_{} makes it; or set INTERPROBE_SHIM_RUNTIME / --runtime)",
        name, runtime, name, backend_for_machine(machine)->processor));
  }
  const std::uint16_t archive = archive_machine(runtime);
  if (archive != machine)
    throw InputError(
        fmt::format("the shim runtime '{}' is for {}, the library is {} (--runtime / "
                    "INTERPROBE_SHIM_RUNTIME)",
                    runtime, scan::machine_name(archive), name));
}

namespace {

std::string in_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    fs::path p = fs::path(dir) / name;
    if (access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

// A compiler driver for another machine's library: $CC if it targets that machine (gcc and clang
// print their target triplet for -dumpmachine), else Debian's cross gcc,
// `<processor>-linux-gnu-gcc`.
std::string find_cross_compiler(std::uint16_t machine) {
  const ShimBackend* b = backend_for_machine(machine);
  const std::string processor = b->processor, name = scan::machine_name(machine);
  std::string cc_note;
  if (const char* cc = std::getenv("CC"); cc != nullptr && *cc != '\0') {
    const std::string first = std::string(cc).substr(0, std::string(cc).find(' '));
    if (std::string found = in_path(first); !found.empty()) {
      const ExecResult r = exec({found, "-dumpmachine"}, current_environment());
      std::string target = r.out.substr(0, r.out.find('\n'));
      if (r.exited && r.exit_status == 0 && target.rfind(processor + "-", 0) == 0) return found;
      cc_note = fmt::format(" ($CC '{}' targets {})", cc, target.empty() ? "?" : target);
    }
  }
  const std::string cross = processor + "-linux-gnu-gcc";
  if (std::string found = in_path(cross); !found.empty()) return found;
  throw InputError(
      fmt::format("no C compiler for {} found{}: install {} (Debian package "
                  "gcc-{}-linux-gnu) or set $CC to one that targets {}",
                  name, cc_note, cross, processor, name));
}

}  // namespace

std::string find_compiler(std::uint16_t machine) {
  if (!is_host(machine)) return find_cross_compiler(machine);
  if (const char* cc = std::getenv("CC"); cc != nullptr && *cc != '\0') {
    std::string first = cc;
    first = first.substr(0, first.find(' '));
    std::string found = in_path(first);
    if (found.empty())
      throw InputError(fmt::format("the C compiler in $CC ('{}') is not found or not executable", cc));
    return found;
  }
  for (const char* name : {"cc", "gcc", "clang"})
    if (std::string found = in_path(name); !found.empty()) return found;
  throw InputError("no C compiler found: set $CC or put cc, gcc or clang in PATH");
}

std::string find_compiler() { return find_compiler(scan::host_machine()); }

std::string render_assembly(const ShimPlan& plan) {
  const ArchTemplate* arch = arch_for_machine(plan.machine);
  std::string out = fmt::format("# Generated by interprobe shim for {} ({} trampolines). Do not edit.\n"
                                "\t.text\n", plan.library, plan.trampolined.size());
  for (std::size_t i = 0; i < plan.trampolined.size(); ++i)
    out += arch->trampoline(plan.trampolined[i], static_cast<std::uint32_t>(i));
  out += tables(*arch, plan.trampolined, plan.library);
  return out;
}

void build_shim(const ShimPlan& plan, const BuildOptions& options) {
  const std::string runtime =
      options.runtime.empty() ? default_runtime_path(plan.machine) : options.runtime;
  require_runtime(runtime, plan.machine);
  const std::string cc = options.compiler.empty() ? find_compiler(plan.machine) : options.compiler;
  const fs::path output = fs::absolute(options.output);
  const fs::path parent = output.parent_path();
  if (!fs::is_directory(parent))
    throw InputError(fmt::format("the output directory '{}' does not exist", parent.string()));

  // Everything happens in a private directory beside the output; only the finished shim is
  // renamed into place (same file system, so rename is atomic).
  std::string templ = (parent / ".interprobe-shim-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr)
    throw InputError(fmt::format("cannot create a temporary directory in '{}'", parent.string()));
  const fs::path dir = templ;
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};

  const fs::path source = dir / "shim.S", built = dir / output.filename();
  {
    std::ofstream s(source);
    s << render_assembly(plan);
    if (!s) throw InputError(fmt::format("cannot write '{}'", source.string()));
  }
  // --exclude-libs,ALL: nothing from the runtime archive is exported, so the only dynamic
  // symbols a shim defines are its trampolines (no clash with libprobe.so or the host).
  std::vector<std::string> argv = {cc, "-shared", "-o", built.string(), source.string(),
                                   fs::absolute(runtime).string(),
                                   "-Wl,--exclude-libs,ALL", "-Wl,--gc-sections",
                                   "-Wl,-z,noexecstack", "-Wl,-z,now", "-Wl,--no-undefined",
                                   "-Wl,--as-needed", "-lm", "-ldl", "-lpthread"};
  ExecResult r = exec(argv, current_environment());
  if (!r.exited || r.exit_status != 0)
    throw InputError(fmt::format("the C compiler '{}' failed to build the shim ({}): {}{}", cc,
                                 r.describe(), r.err, r.out));
  std::error_code ec;
  fs::rename(built, output, ec);
  if (ec)
    throw InputError(fmt::format("cannot move the shim to '{}': {}", output.string(), ec.message()));
}

std::string plan_json(const ShimPlan& plan, const std::string& shim_path) {
  nlohmann::json j;
  j["library"] = plan.library;
  j["arch"] = plan.arch;
  j["shim"] = shim_path;
  j["trampolined"] = plan.trampolined;
  j["skipped"] = nlohmann::json::array();
  for (const Skipped& s : plan.skipped) j["skipped"].push_back({{"name", s.name}, {"reason", s.reason}});
  // Skipped names are the library's bytes: invalid UTF-8 becomes U+FFFD (the default throws).
  return j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace interprobe::shim
