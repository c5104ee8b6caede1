// matrix.cpp — see matrix.hpp.
#include "matrix.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "collect.hpp"
#include "preload_env.hpp"
#include "private_dir.hpp"

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
    const nlohmann::json archs = j.value("architectures", nlohmann::json::object());
    for (auto& [arch, notes] : archs.items()) {
      if (arch == "about") continue;
      ArchNotes n;
      n.run = notes.at("run");
      n.others = notes.value("others", "");
      n.not_built = notes.value("not_built", nlohmann::json::object())
                        .get<std::map<std::string, std::string>>();
      for (auto& [variant, why] : n.not_built) m.variant(variant);  // throws for an unknown one
      m.architectures[arch] = std::move(n);
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("'{}': {}", file, e.what()));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(fmt::format("'{}': {}", file, e.what()));
  }
  return m;
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

// True if the run (`which`: "control", "preloaded") exited 0 printing "PATH VALUE"; else the
// cell's problem says which run failed and how.
bool app_ran(const char* which, const ExecResult& r, const Artifacts& a, const PathSpec& p,
             long& value, std::string& problem) {
  if (r.exited && r.exit_status == 0 && parse_app_output(r.out, p.name, value)) return true;
  problem = fmt::format("{} run of {} {} failed ({}): {}", which, a.app, p.name, r.describe(),
                        r.err);
  return false;
}

// The environment of a cell's runs: the variant's directory first, no stray probe settings from
// the caller.
Env cell_environment(const Artifacts& a, const std::string& variant) {
  Env env = without_probe(current_environment());
  env["LD_LIBRARY_PATH"] = fs::absolute(fs::path(a.variants_dir) / variant).string();
  return env;
}

// The command line of victim_app `path` for the environment `e`: the app itself, or the launcher
// with the loader's variables moved to its -E options (qemu-user passes the rest of its
// environment on, and would read these itself).
std::vector<std::string> app_command(const Artifacts& a, const std::string& path, Env& e) {
  std::vector<std::string> argv = a.launcher;
  if (!argv.empty())
    for (const char* key : {"LD_LIBRARY_PATH", "LD_PRELOAD"})
      if (auto it = e.find(key); it != e.end()) {
        argv.insert(argv.end(), {"-E", std::string(key) + "=" + it->second});
        e.erase(it);
      }
  argv.insert(argv.end(), {a.app, path});
  return argv;
}

}  // namespace

std::string try_variant(const Artifacts& a, const std::string& variant, const std::string& path) {
  Env env = cell_environment(a, variant);
  return exec(app_command(a, path, env), env).describe();
}

Observation observe(const Artifacts& a, const VariantSpec& v, const PathSpec& p, bool bypass) {
  Observation o;
  o.caller_object = p.caller == "app" ? file_name_of(a.app) : kLibraryName;
  const Env env = cell_environment(a, v.name);
  auto command = [&](Env& e) { return app_command(a, p.name, e); };

  {
    Env control_env = env;
    o.control = exec(command(control_env), control_env);
  }
  if (!app_ran("control", o.control, a, p, o.control_value, o.problem)) return o;

  std::string report_text;
  {
    const PrivateDir dir = PrivateDir::temporary();
    if (dir.empty()) {
      o.problem =
          fmt::format("cannot create a temporary directory under {}", temp_parent().string());
      return o;
    }
    ProbeSettings s;
    s.probe = fs::absolute(a.probe).string();
    s.format = "json";
    s.report_file = (dir.path() / "report.json").string();
    s.time_offset = kTimeOffset;
    s.bypass = bypass;
    // `env` has no LD_PRELOAD (cell_environment): the probe is the only preload of the cell.
    Env probed_env = probe_environment(env, s);
    o.probed = exec(command(probed_env), probed_env);
    report_text = slurp(dir.path() / "report.json");
  }
  if (!app_ran("preloaded", o.probed, a, p, o.probed_value, o.problem)) return o;
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
