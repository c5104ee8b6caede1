// batch.cpp — directory expansion, de-duplication by inode, the thread pool and the progress bar.
#include "batch.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "elf_image.hpp"

namespace interprobe::scan {

namespace {

namespace fs = std::filesystem;

struct Job {
  std::string path;               // the name scanned
  std::vector<std::string> also;  // other names of the same inode
  std::string error;              // set before scanning: could not be listed or opened
  bool from_directory = false;    // found by walking a directory, not named
  bool skipped = false;           // a PIE executable found in a directory: not scanned
};

bool looks_like_shared_object_name(const std::string& name) {
  auto pos = name.find(".so");
  return pos != std::string::npos && (pos + 3 == name.size() || name[pos + 3] == '.');
}

// True if the file starts with the ELF magic; false if not; error text if it cannot be read.
bool has_elf_magic(const std::string& path, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);  // a FIFO must not block us
  if (fd < 0) {
    error = fmt::format("cannot open: {}", std::strerror(errno));
    return false;
  }
  char magic[4] = {};
  ssize_t n = ::read(fd, magic, 4);
  ::close(fd);
  return n == 4 && std::memcmp(magic, "\x7f" "ELF", 4) == 0;
}

class JobList {
 public:
  void add(const std::string& path, std::string error = {}, bool from_directory = false) {
    struct stat st {};
    if (error.empty() && ::stat(path.c_str(), &st) == 0) {
      auto key = std::make_pair(st.st_dev, st.st_ino);
      if (auto it = by_inode_.find(key); it != by_inode_.end()) {
        jobs_[it->second].also.push_back(path);
        return;
      }
      by_inode_[key] = jobs_.size();
    }
    jobs_.push_back({path, {}, std::move(error), from_directory});
  }
  void add_directory(const std::string& dir) {
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
    if (ec) return add(dir, fmt::format("cannot list directory: {}", ec.message()));
    std::vector<std::string> files;
    for (; it != end; it.increment(ec)) {
      if (ec) {
        add(it->path().string(), fmt::format("cannot list directory: {}", ec.message()));
        break;
      }
      std::error_code sec;
      if (!it->is_regular_file(sec) || it->is_symlink(sec)) continue;
      if (!looks_like_shared_object_name(it->path().filename().string())) continue;
      files.push_back(it->path().string());
    }
    std::sort(files.begin(), files.end());
    for (auto& f : files) {
      std::string error;
      if (has_elf_magic(f, error) || !error.empty()) add(f, error, /*from_directory=*/true);
    }
  }
  std::vector<Job>& jobs() { return jobs_; }

 private:
  std::vector<Job> jobs_;
  std::map<std::pair<dev_t, ino_t>, std::size_t> by_inode_;
};

void draw_progress(std::size_t done, std::size_t total) {
  const int width = 40;
  int filled = total == 0 ? width : static_cast<int>(width * done / total);
  fmt::print(stderr, "\r[{:=<{}}{:<{}}] {}/{}", "", filled, "", width - filled, done, total);
}

}  // namespace

std::vector<LibraryReport> scan_paths(const std::vector<std::string>& paths,
                                      const BatchOptions& options, BatchStats* stats) {
  JobList list;
  for (auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec))
      list.add_directory(p);
    else
      list.add(p);
  }
  std::vector<Job>& jobs = list.jobs();
  std::vector<LibraryReport> results(jobs.size());
  // Largest files first: one libLLVM alone takes ~6 s, and started last it would run alone.
  std::vector<std::size_t> order(jobs.size());
  std::vector<std::uintmax_t> sizes(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    order[i] = i;
    std::error_code ec;
    sizes[i] = fs::file_size(jobs[i].path, ec);
    if (ec) sizes[i] = 0;
  }
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return sizes[a] > sizes[b]; });
  const unsigned total = options.threads != 0 ? options.threads
                                              : std::max(1u, std::thread::hardware_concurrency());
  const unsigned n =
      static_cast<unsigned>(std::min<std::size_t>(total, std::max<std::size_t>(jobs.size(), 1)));
  // Fewer files than threads (one library, or OLD and NEW for diff): the threads left over sweep
  // one file's code together. Many files: one thread per file, no splitting.
  ScanOptions per_file = options.scan;
  per_file.threads = std::max(1u, total / n);
  std::atomic<std::size_t> next{0}, done{0};
  auto worker = [&] {
    for (std::size_t k; (k = next.fetch_add(1)) < jobs.size();) {
      const std::size_t i = order[k];
      if (jobs[i].error.empty() && !options.allow_pie && is_pie_executable_file(jobs[i].path)) {
        // The one rule of elf_image.hpp: named, an error; met in a directory, left out.
        jobs[i].skipped = jobs[i].from_directory;
        jobs[i].error = kExecutableNotLibrary;
      }
      if (!jobs[i].error.empty()) {
        results[i].path = jobs[i].path;
        results[i].error = jobs[i].error;
      } else {
        results[i] = scan_file(jobs[i].path, per_file);
      }
      done.fetch_add(1);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < n; ++t) pool.emplace_back(worker);
  if (options.progress) {
    while (done.load() < jobs.size()) {
      draw_progress(done.load(), jobs.size());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    draw_progress(jobs.size(), jobs.size());
    fmt::print(stderr, "\r{:<70}\r", "");
  }
  for (auto& t : pool) t.join();

  std::vector<LibraryReport> out;
  out.reserve(results.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].skipped) {
      if (stats != nullptr) stats->executables_skipped += 1 + jobs[i].also.size();
      continue;
    }
    for (auto& other : jobs[i].also) {
      LibraryReport copy = results[i];
      copy.path = other;
      out.push_back(std::move(copy));
    }
    out.push_back(std::move(results[i]));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.path < b.path; });
  return out;
}

}  // namespace interprobe::scan
