// matrix.cpp — see matrix.hpp.
#include "matrix.hpp"

#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace interprobe {

namespace fs = std::filesystem;

std::string to_string(Verdict v) {
  switch (v) {
    case Verdict::interposed: return "interposed";
    case Verdict::bypassed: return "bypassed";
    case Verdict::ran_unused: return "ran_unused";
    case Verdict::inconsistent: return "inconsistent";
  }
  return "?";
}

Verdict verdict_from_string(const std::string& t) {
  if (t == "interposed") return Verdict::interposed;
  if (t == "bypassed") return Verdict::bypassed;
  if (t == "ran_unused") return Verdict::ran_unused;
  throw std::invalid_argument(
      fmt::format("'{}' is not a verdict (interposed, bypassed, ran_unused)", t));
}

const PathSpec& Matrix::path(const std::string& name) const {
  for (auto& p : paths)
    if (p.name == name) return p;
  throw std::runtime_error("no path named '" + name + "' in the matrix");
}

const VariantSpec& Matrix::variant(const std::string& name) const {
  for (auto& v : variants)
    if (v.name == name) return v;
  throw std::runtime_error("no variant named '" + name + "' in the matrix");
}

Matrix load_matrix(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(fmt::format("cannot read the matrix file '{}'", file));
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(fmt::format("'{}' is not valid JSON", file));
  Matrix m;
  try {
    m.about = j.at("about").get<std::string>();
    for (auto& p : j.at("paths")) {
      PathSpec s;
      s.name = p.at("name");
      s.symbols = p.at("symbols").get<std::vector<std::string>>();
      s.caller = p.at("caller");
      std::string how = p.at("observe");
      s.observe = how == "count" ? Observe::count : how == "time" ? Observe::time : Observe::value;
      if (how != "count" && how != "time" && how != "value")
        throw std::runtime_error("path " + s.name + ": observe must be value, count or time");
      if (s.caller != "app" && s.caller != "lib")
        throw std::runtime_error("path " + s.name + ": caller must be app or lib");
      s.about = p.at("about");
      m.paths.push_back(std::move(s));
    }
    for (auto& v : j.at("variants")) {
      VariantSpec s;
      s.name = v.at("name");
      s.compiler = v.at("compiler");
      s.cflags = v.at("cflags");
      s.ldflags = v.at("ldflags");
      s.about = v.at("about");
      for (auto& [path, verdict] : v.at("expect").get<std::map<std::string, std::string>>()) {
        m.path(path);  // throws for an unknown path
        s.expect[path] = verdict_from_string(verdict);
      }
      s.why = v.value("why", nlohmann::json::object()).get<std::map<std::string, std::string>>();
      for (auto& [path, why] : s.why) m.path(path);
      for (auto& p : m.paths)
        if (!s.expect.count(p.name))
          throw std::runtime_error("variant " + s.name + " has no expectation for path " + p.name);
      m.variants.push_back(std::move(s));
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("'{}': {}", file, e.what()));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(fmt::format("'{}': {}", file, e.what()));
  }
  return m;
}

Artifacts Artifacts::from_build_tree() {
  return Artifacts{INTERPROBE_BUILD_PROBE, INTERPROBE_BUILD_APP, INTERPROBE_BUILD_VARIANTS,
                   INTERPROBE_SOURCE_MATRIX};
}

Artifacts Artifacts::for_arch(const std::string& arch) {
  if (arch == "aarch64")
    return Artifacts{INTERPROBE_BUILD_AARCH64_PROBE, INTERPROBE_BUILD_AARCH64_APP,
                     INTERPROBE_BUILD_AARCH64_VARIANTS, INTERPROBE_SOURCE_MATRIX,
                     {INTERPROBE_QEMU_AARCH64, "-L", INTERPROBE_AARCH64_SYSROOT}};
  throw std::invalid_argument(fmt::format("'{}' is not an architecture of this build (aarch64)", arch));
}

Verdict classify(Observe how, bool ran, bool changed) {
  if (how == Observe::count) return ran ? Verdict::interposed : Verdict::bypassed;
  if (ran && changed) return Verdict::interposed;
  if (!ran && !changed) return Verdict::bypassed;
  if (ran) return Verdict::ran_unused;
  return Verdict::inconsistent;  // result changed but no call was counted: a probe bug
}

bool variant_built(const Artifacts& a, const VariantSpec& v) {
  return fs::exists(fs::path(a.variants_dir) / v.name / kLibraryName);
}

namespace {

// "PATH VALUE" -> VALUE; false if the line is not that.
bool parse_app_output(const std::string& out, const std::string& path, long& value) {
  std::istringstream in(out);
  std::string name;
  return static_cast<bool>(in >> name >> value) && name == path;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Observation observe(const Artifacts& a, const VariantSpec& v, const PathSpec& p, bool bypass) {
  Observation o;
  o.caller_object = p.caller == "app" ? file_name_of(a.app) : kLibraryName;
  Env env = without_probe(current_environment());  // no stray probe settings from the caller
  env["LD_LIBRARY_PATH"] = fs::absolute(fs::path(a.variants_dir) / v.name).string();
  // The command line for the environment `e`: the app itself, or the launcher with the loader's
  // variables moved to its -E options (qemu-user passes the rest of its environment on).
  auto command = [&](Env& e) {
    std::vector<std::string> argv = a.launcher;
    if (!argv.empty())
      for (const char* key : {"LD_LIBRARY_PATH", "LD_PRELOAD"})
        if (auto it = e.find(key); it != e.end()) {
          argv.insert(argv.end(), {"-E", std::string(key) + "=" + it->second});
          e.erase(it);
        }
    argv.insert(argv.end(), {a.app, p.name});
    return argv;
  };

  {
    Env control_env = env;
    o.control = exec(command(control_env), control_env);
  }
  if (!o.control.exited || o.control.exit_status != 0 ||
      !parse_app_output(o.control.out, p.name, o.control_value)) {
    o.problem = fmt::format("control run of {} {} failed ({}): {}", a.app, p.name,
                            o.control.describe(), o.control.err);
    return o;
  }

  char dir_template[] = "/tmp/interprobe-cell-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    o.problem = "cannot create a temporary directory under /tmp";
    return o;
  }
  const fs::path dir = dir_template, report = dir / "report.json";
  env["LD_PRELOAD"] = fs::absolute(a.probe).string();
  env["PROBE_FORMAT"] = "json";
  env["PROBE_REPORT"] = report.string();
  env["PROBE_TIME_OFFSET"] = std::to_string(kTimeOffset);
  if (bypass) env["PROBE_BYPASS"] = "1";
  o.probed = exec(command(env), env);
  std::string report_text = read_file(report);
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (!o.probed.exited || o.probed.exit_status != 0 ||
      !parse_app_output(o.probed.out, p.name, o.probed_value)) {
    o.problem = fmt::format("preloaded run of {} {} failed ({}): {}", a.app, p.name,
                            o.probed.describe(), o.probed.err);
    return o;
  }
  std::string error;
  auto parsed = parse_probe_report(report_text, &error);
  if (!parsed) {
    o.problem = fmt::format("{} (stderr: {})", error, o.probed.err);
    return o;
  }
  bool ran = !p.symbols.empty();
  for (const std::string& s : p.symbols) {
    o.calls[s] = parsed->calls_from(s, o.caller_object);
    ran = ran && o.calls[s] > 0;
    if (!bypass) continue;
    auto b = parsed->bypass.find(s);
    if (b == parsed->bypass.end())
      o.bypass_refused[s] = "no definition found";
    else if (!b->second.patched)
      o.bypass_refused[s] = b->second.same_as.empty() ? b->second.refused
                                                      : "counted as " + b->second.same_as;
    else
      o.bypassed[s] = parsed->bypassed_from(s, o.caller_object);
  }
  bool changed = o.probed_value != o.control_value;
  if (p.observe == Observe::time)  // a second may pass between the runs
    changed = std::labs(o.probed_value - o.control_value - kTimeOffset) <= 60;
  if (p.symbols.empty()) ran = changed;  // data: the value is the only witness
  o.verdict = classify(p.observe, ran, changed);
  return o;
}

}  // namespace interprobe
