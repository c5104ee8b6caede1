// report_file_test.cpp — the report file: %p, mode 0600, no symlink following, no clobbering.
#include "report_file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "files.hpp"
#include "scratch.hpp"

namespace {

namespace fs = std::filesystem;

class ReportFile : public testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.empty()); }
  test_support::ScratchDir scratch_{"unit"};
  const fs::path& dir_ = scratch_.path();
};

using Kind = probe::ReportTarget::Kind;

TEST(ReportPath, ExpandsPidModuleAndPercent) {
  EXPECT_EQ(probe::expand_report_path("/tmp/r.%p.json", 42), "/tmp/r.42.json");
  EXPECT_EQ(probe::expand_report_path("a%%p%p%", 7), "a%p7%");
  EXPECT_EQ(probe::expand_report_path("%q", 7), "%q");
  EXPECT_EQ(probe::expand_report_path("/r/%p.%m.json", 9, "libzshim.so"), "/r/9.libzshim.so.json");
  EXPECT_EQ(probe::expand_report_path("%%m", 9, "x"), "%m");
}

TEST_F(ReportFile, CreatesOwnerOnlyFile) {
  auto t = probe::open_report((dir_ / "r.json").string(), 1);
  ASSERT_EQ(t.kind, Kind::file) << t.message;
  close(t.fd);
  struct stat st{};
  ASSERT_EQ(stat((dir_ / "r.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(t.message.empty());
}

TEST_F(ReportFile, NeverClobbersAnExistingFile) {
  std::ofstream(dir_ / "r.json") << "someone else's report";
  auto t = probe::open_report((dir_ / "r.json").string(), 77);
  ASSERT_EQ(t.kind, Kind::file);
  close(t.fd);
  EXPECT_EQ(slurp(dir_ / "r.json"), "someone else's report");
  EXPECT_EQ(t.path, (dir_ / "r.json.77").string());
  EXPECT_NE(t.message.find("r.json.77"), std::string::npos) << t.message;
}

TEST_F(ReportFile, FallbackAlwaysFindsAFreeName) {
  // Two modules (or two processes reusing a pid) on one template: PATH.<pid> is taken too.
  std::ofstream(dir_ / "r") << "first";
  std::ofstream(dir_ / "r.5") << "second";
  std::ofstream(dir_ / "r.5.2") << "third";
  auto t = probe::open_report((dir_ / "r").string(), 5);
  ASSERT_EQ(t.kind, Kind::file) << t.message;
  close(t.fd);
  EXPECT_EQ(t.path, (dir_ / "r.5.3").string());
  EXPECT_EQ(slurp(dir_ / "r.5"), "second");
  EXPECT_EQ(slurp(dir_ / "r.5.2"), "third");
}

TEST_F(ReportFile, NeverFollowsASymlink) {
  std::ofstream(dir_ / "target") << "precious";
  fs::create_symlink(dir_ / "target", dir_ / "r.json");
  auto t = probe::open_report((dir_ / "r.json").string(), 5);
  if (t.fd >= 0) close(t.fd);
  EXPECT_EQ(slurp(dir_ / "target"), "precious");
  EXPECT_TRUE(fs::is_symlink(dir_ / "r.json"));
  EXPECT_EQ(t.path, (dir_ / "r.json.5").string());
}

TEST_F(ReportFile, MissingDirectoryFallsBackToStderrWithOneLine) {
  auto t = probe::open_report((dir_ / "no" / "such" / "r.json").string(), 5);
  EXPECT_EQ(t.kind, Kind::to_stderr);
  EXPECT_NE(t.message.find("No such file or directory"), std::string::npos) << t.message;
  EXPECT_EQ(t.message.find('\n'), std::string::npos);
}

TEST_F(ReportFile, EmptyTemplateMeansStderr) {
  auto t = probe::open_report("", 5);
  EXPECT_EQ(t.kind, Kind::to_stderr);
  EXPECT_TRUE(t.message.empty());
}

TEST_F(ReportFile, NullDeviceMeansNoReport) {
  auto t = probe::open_report("/dev/null", 5);
  EXPECT_EQ(t.kind, Kind::discard);
  EXPECT_EQ(t.fd, -1);
  EXPECT_TRUE(t.message.empty());
  EXPECT_FALSE(fs::exists("/dev/null.5"));
}

TEST_F(ReportFile, CharacterDeviceIsWrittenAsItIs) {
  auto t = probe::open_report("/dev/zero", 5);  // accepts writes, like a terminal
  ASSERT_EQ(t.kind, Kind::device) << t.message;
  EXPECT_EQ(t.path, "/dev/zero");
  close(t.fd);
  EXPECT_FALSE(fs::exists("/dev/zero.5"));
}

TEST_F(ReportFile, FifoWithoutReaderNeverBlocksAndFallsBack) {
  ASSERT_EQ(mkfifo((dir_ / "f").c_str(), 0600), 0);
  auto t = probe::open_report((dir_ / "f").string(), 8);
  ASSERT_EQ(t.kind, Kind::file) << t.message;
  close(t.fd);
  EXPECT_EQ(t.path, (dir_ / "f.8").string());
  EXPECT_NE(t.message.find("has no reader"), std::string::npos) << t.message;
}

TEST_F(ReportFile, FifoWithReaderGetsTheReport) {
  ASSERT_EQ(mkfifo((dir_ / "f").c_str(), 0600), 0);
  int reader = open((dir_ / "f").c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  auto t = probe::open_report((dir_ / "f").string(), 8);
  ASSERT_EQ(t.kind, Kind::device) << t.message;
  probe::OriginalStderr none;
  probe::deliver(t, "report\n", none);
  char buf[16] = {};
  EXPECT_EQ(read(reader, buf, sizeof buf), 7);
  EXPECT_STREQ(buf, "report\n");
  close(reader);
}

}  // namespace
