// private_dir.cpp — see private_dir.hpp.
#include "private_dir.hpp"

#include <stdlib.h>
#include <string.h>

#include <cerrno>
#include <fstream>

namespace interprobe {

namespace fs = std::filesystem;

fs::path make_private_dir(const fs::path& parent) {
  std::string t = (parent / ".interprobe-XXXXXX").string();
  if (mkdtemp(t.data()) == nullptr) return {};
  return t;
}

fs::path temp_parent() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

PrivateDir::~PrivateDir() {
  std::error_code ec;
  if (!path_.empty()) fs::remove_all(path_, ec);
}

PrivateDir& PrivateDir::operator=(PrivateDir&& other) noexcept {
  if (this != &other) {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

std::string replace_file(const fs::path& target, const std::string& text) {
  const PrivateDir beside(target.parent_path());
  if (beside.empty()) return strerror(errno);
  std::ofstream(beside.path() / "file", std::ios::binary) << text;
  std::error_code ec;
  fs::rename(beside.path() / "file", target, ec);
  return ec ? ec.message() : "";
}

}  // namespace interprobe
