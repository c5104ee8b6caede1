// report_file_test.cpp — the report file: %p, mode 0600, no symlink following, no clobbering.
#include "report_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;

class ReportFile : public testing::Test {
 protected:
  void SetUp() override {
    char t[] = "/tmp/interprobe-unit-XXXXXX";
    ASSERT_NE(mkdtemp(t), nullptr);
    dir_ = t;
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path dir_;
};

TEST(ReportPath, ExpandsPidAndPercent) {
  EXPECT_EQ(probe::expand_report_path("/tmp/r.%p.json", 42), "/tmp/r.42.json");
  EXPECT_EQ(probe::expand_report_path("a%%p%p%", 7), "a%p7%");
  EXPECT_EQ(probe::expand_report_path("%q", 7), "%q");
}

TEST_F(ReportFile, CreatesOwnerOnlyFile) {
  auto t = probe::open_report((dir_ / "r.json").string(), 1);
  ASSERT_NE(t.fd, 2) << t.message;
  close(t.fd);
  struct stat st{};
  ASSERT_EQ(stat((dir_ / "r.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(t.message.empty());
}

TEST_F(ReportFile, NeverClobbersAnExistingFile) {
  std::ofstream(dir_ / "r.json") << "someone else's report";
  auto t = probe::open_report((dir_ / "r.json").string(), 77);
  ASSERT_NE(t.fd, 2);
  close(t.fd);
  EXPECT_EQ(slurp(dir_ / "r.json"), "someone else's report");
  EXPECT_EQ(t.path, (dir_ / "r.json.77").string());
  EXPECT_NE(t.message.find("r.json.77"), std::string::npos) << t.message;
}

TEST_F(ReportFile, NeverFollowsASymlink) {
  std::ofstream(dir_ / "target") << "precious";
  fs::create_symlink(dir_ / "target", dir_ / "r.json");
  auto t = probe::open_report((dir_ / "r.json").string(), 5);
  if (t.fd != 2) close(t.fd);
  EXPECT_EQ(slurp(dir_ / "target"), "precious");
  EXPECT_TRUE(fs::is_symlink(dir_ / "r.json"));
}

TEST_F(ReportFile, MissingDirectoryFallsBackToStderrWithOneLine) {
  auto t = probe::open_report((dir_ / "no" / "such" / "r.json").string(), 5);
  EXPECT_EQ(t.fd, 2);
  EXPECT_NE(t.message.find("No such file or directory"), std::string::npos) << t.message;
  EXPECT_EQ(t.message.find('\n'), std::string::npos);
}

TEST_F(ReportFile, EmptyTemplateMeansStderr) {
  auto t = probe::open_report("", 5);
  EXPECT_EQ(t.fd, 2);
  EXPECT_TRUE(t.message.empty());
}

}  // namespace
