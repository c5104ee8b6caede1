// private_dir.hpp — private directories for what a run writes (reports, loader logs, a built
// shim, a link LD_PRELOAD can carry) and for replacing a file whole.
//
// Private: mkdtemp(3) makes a fresh name with mode 0700 that no other user can predict or enter,
// so nothing another process put there is read as ours. Removed, with all it holds, when the
// PrivateDir goes: on every return path of the caller, also after a SIGTERM it forwarded
// (ForwardTermination, exec.hpp).
#pragma once

#include <filesystem>
#include <string>

namespace interprobe {

// A fresh private directory `<parent>/.interprobe-XXXXXX` (mode 0700); empty path on failure
// (errno says why).
std::filesystem::path make_private_dir(const std::filesystem::path& parent);

// Where temporary directories go: $TMPDIR if it is set and not empty, else /tmp.
std::filesystem::path temp_parent();

class PrivateDir {
 public:
  PrivateDir() = default;
  // make_private_dir(parent); path() is empty on failure.
  explicit PrivateDir(const std::filesystem::path& parent) : path_(make_private_dir(parent)) {}
  ~PrivateDir();
  PrivateDir(const PrivateDir&) = delete;
  PrivateDir& operator=(const PrivateDir&) = delete;
  // In temp_parent().
  static PrivateDir temporary() { return PrivateDir(temp_parent()); }
  PrivateDir(PrivateDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  PrivateDir& operator=(PrivateDir&& other) noexcept;

  const std::filesystem::path& path() const { return path_; }
  bool empty() const { return path_.empty(); }

 private:
  std::filesystem::path path_;
};

// Writes `text` to `target` by way of a private directory beside it and a rename over it, so a
// reader sees the old file or the new one, never half of one. "" or why not.
std::string replace_file(const std::filesystem::path& target, const std::string& text);

}  // namespace interprobe
