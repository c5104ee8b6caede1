/* plugin_app — a host whose library loads a plugin the way plugin hosts do (tests/bypass_test.cpp,
 * Bypass.DlopenAndDlsymKeepTheCaller): everything that depends on who called dlopen or dlsym is
 * done by libplugin_loader.so (plugin_loader.c). Prints what it found; exit 0 if all was found. */
#include <stdio.h>

int loader_run(char *out, int size);

int main(void) {
  char line[256];
  const int status = loader_run(line, sizeof line);
  puts(line);
  return status;
}
