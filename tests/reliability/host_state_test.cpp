// host_state_test.cpp — the probe never changes its host's state (issue 11): its descriptor
// table stays the host's (no copy of stderr, no unwinder pipe), and whatever the time offset
// shifts on read is shifted back on the way to the kernel. Each check is a control run and probed
// runs of the same program that must print the same.
#include "fixture.hpp"

namespace reliability {
namespace {

using HostState = ProbeHost;

// stdin closed by the shell before the program starts, as `prog 0<&-` does.
std::vector<std::string> with_stdin_closed(const std::string& prog) {
  return {"/bin/sh", "-c", "exec \"$0\" 0<&-", prog};
}

// The lines of fds_app's output that start with `key`.
std::string line_of(const std::string& out, const std::string& key) {
  auto at = out.find(key);
  return at == std::string::npos ? "(no " + key + ")" : out.substr(at, out.find('\n', at) - at);
}

// libunwind opened a validation pipe at the lowest free descriptors on its first unwind: with
// stdin closed it became stdin (read(0) returned its byte, not EBADF), otherwise the host's next
// open got 5 instead of 3. PROBE_BACKTRACE now uses libgcc's unwinder, which opens nothing.
// (The descriptors inherited from the test's own environment are the same in every run.)
TEST_F(HostState, BacktracesTakeNoDescriptor) {
  for (const char* backtrace : {"0", "16"}) {
    Env env = json_env("r.%p.json");
    env["PROBE_BACKTRACE"] = backtrace;
    for (const auto& argv : {std::vector<std::string>{program("fds_app")},
                             with_stdin_closed(program("fds_app"))}) {
      ExecResult control = exec(argv, without_probe(env)), probed = exec(argv, env);
      for (const char* key : {"read(0):", "first free:"})
        EXPECT_EQ(line_of(probed.out, key), line_of(control.out, key))
            << "PROBE_BACKTRACE=" << backtrace << " " << argv.back() << ": " << probed.err;
    }
  }
  ExecResult closed = exec(with_stdin_closed(program("fds_app")), json_env("c.%p.json"));
  EXPECT_EQ(line_of(closed.out, "read(0):"), "read(0): EBADF") << "the harness closes stdin";
}

}  // namespace
}  // namespace reliability
