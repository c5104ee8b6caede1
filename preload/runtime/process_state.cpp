// process_state.cpp — see process_state.hpp.
#include "process_state.hpp"

#include <sys/auxv.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "../core/report_file.hpp"

namespace probe {

ProcessState g_process;

void start_process_state(GetEnv getenv_fn, const void* inside, const char* module_default) {
  const int saved_errno = errno;
  ProcessState& p = g_process;
  p.settings = parse_settings(getenv_fn, getauxval(AT_SECURE) != 0, p.notices);
  ssize_t n = readlink("/proc/self/exe", p.main_path, sizeof p.main_path - 1);
  if (n > 0) p.main_path[n] = '\0';
  std::strncpy(p.module_name, module_default, sizeof p.module_name - 1);
  remember_module_name(inside, p.module_name, sizeof p.module_name);
  p.original_stderr = remember_stderr();
  errno = saved_errno;
}

}  // namespace probe
