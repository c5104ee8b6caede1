/* plugin_loader.c — libplugin_loader.so, whose DT_RUNPATH is $ORIGIN/plugins:$ORIGIN (set in
 * tests/CMakeLists.txt) and which asks glibc three things that depend on the caller's object:
 * dlopen("libplugin_impl.so"), found only along this library's RUNPATH (the program's has no
 * plugins/ directory); dlopen("$ORIGIN/plugins/libplugin_impl.so"), $ORIGIN being this library's
 * directory; dlsym(RTLD_NEXT, "plugin_layer"), the next definition after this library, in
 * libplugin_base.so (a dependency of this one). Seen from another object (libprobe.so, say), the
 * first two fail and the third finds this library's own plugin_layer. */
#include <dlfcn.h>
#include <stdio.h>

const char *plugin_layer(void) { return "loader"; }

static int plugin_value(void *h) {
  int (*value)(void) = h != NULL ? (int (*)(void))dlsym(h, "plugin_value") : NULL;
  return value != NULL ? value() : -1;
}

int loader_run(char *out, int size) {
  void *by_runpath = dlopen("libplugin_impl.so", RTLD_NOW | RTLD_LOCAL);
  void *by_origin = dlopen("$ORIGIN/plugins/libplugin_impl.so", RTLD_NOW | RTLD_LOCAL);
  const char *(*next)(void) = (const char *(*)(void))dlsym(RTLD_NEXT, "plugin_layer");
  snprintf(out, size, "runpath %d origin %d next %s", plugin_value(by_runpath),
           plugin_value(by_origin), next != NULL ? next() : "none");
  const int found = by_runpath != NULL && by_origin != NULL && next != NULL;
  if (by_runpath != NULL) dlclose(by_runpath);
  if (by_origin != NULL) dlclose(by_origin);
  return found ? 0 : 1;
}
