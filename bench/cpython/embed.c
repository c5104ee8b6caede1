/* embed.c — embeds one build's libpython3.11 and runs workloads of bench/cpython/workloads/.
 *
 *   embed [-p DIR]... FILE:N ...
 *
 * Each -p DIR is put on sys.path (the build tree's Lib/ and its extension-module directory: the
 * builds are used where make left them, without make install). Each FILE defines run(n); embed
 * executes FILE, calls run(N) and prints one line
 *   RESULT workload=NAME n=N cpu_ns=... wall_ns=... value=...
 * where cpu_ns is this thread's CPU time (CLOCK_THREAD_CPUTIME_ID: on a shared machine it leaves
 * out the time the thread waited for a core) around run(N) alone, so start-up is not timed. value
 * is run's result, which must be the same in every build.
 *
 * Then, as a caller outside libpython, it makes a fixed number of C-API calls that raise and
 * checks each with PyErr_Occurred (APP_CHECKS times): an LD_PRELOAD override must see all of
 * these in every build, whatever libpython was built with. The interpreter is isolated (no site,
 * no environment variables) with hash seed 0, so runs are deterministic for callgrind.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { APP_CHECKS = 1000 };

static long long now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int fail(const char* what, const char* name) {
  fprintf(stderr, "embed: %s: %s\n", name, what);
  if (PyErr_Occurred()) PyErr_Print();
  return 1;
}

/* Executes FILE in a fresh namespace and returns it (a new reference), or NULL. */
static PyObject* load_workload(const char* file) {
  FILE* f = fopen(file, "rb");
  if (f == NULL) return NULL;
  PyObject* ns = PyDict_New();
  PyDict_SetItemString(ns, "__builtins__", PyEval_GetBuiltins());
  PyDict_SetItemString(ns, "__name__", PyUnicode_FromString("workload"));
  PyObject* r = PyRun_FileEx(f, file, Py_file_input, ns, ns, 1);
  if (r == NULL) {
    Py_DECREF(ns);
    return NULL;
  }
  Py_DECREF(r);
  return ns;
}

/* Calls run(n) of one workload; noinline so that the timed region is this function's. */
static __attribute__((noinline)) int run_workload(const char* spec) {
  char file[4096];
  const char* colon = strrchr(spec, ':');
  if (colon == NULL || (size_t)(colon - spec) >= sizeof file) return fail("expected FILE:N", spec);
  memcpy(file, spec, (size_t)(colon - spec));
  file[colon - spec] = '\0';
  long n = strtol(colon + 1, NULL, 10);
  PyObject* ns = load_workload(file);
  if (ns == NULL) return fail("could not be loaded", file);
  PyObject* run = PyDict_GetItemString(ns, "run"); /* borrowed */
  if (run == NULL) return fail("defines no run(n)", file);
  long long c0 = now_ns(CLOCK_THREAD_CPUTIME_ID), w0 = now_ns(CLOCK_MONOTONIC);
  PyObject* value = PyObject_CallFunction(run, "l", n);
  long long c1 = now_ns(CLOCK_THREAD_CPUTIME_ID), w1 = now_ns(CLOCK_MONOTONIC);
  if (value == NULL) return fail("run(n) raised", file);
  PyObject* text = PyObject_Repr(value);
  const char* base = strrchr(file, '/');
  printf("RESULT workload=%.*s n=%ld cpu_ns=%lld wall_ns=%lld value=%s\n",
         (int)strcspn(base ? base + 1 : file, "."), base ? base + 1 : file, n, c1 - c0, w1 - w0,
         text ? PyUnicode_AsUTF8(text) : "?");
  Py_XDECREF(text);
  Py_DECREF(value);
  Py_DECREF(ns);
  return 0;
}

/* The program's own calls: int("x") raises ValueError inside libpython, the program asks. */
static int app_checks(void) {
  int seen = 0;
  for (int i = 0; i < APP_CHECKS; i++) {
    PyObject* v = PyLong_FromString("x", NULL, 10);
    if (PyErr_Occurred() != NULL) {
      seen++;
      PyErr_Clear();
    }
    Py_XDECREF(v);
  }
  printf("APP checks=%d raised=%d\n", APP_CHECKS, seen);
  return seen == APP_CHECKS ? 0 : 1;
}

int main(int argc, char** argv) {
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  config.site_import = 0;
  config.use_hash_seed = 1;
  config.hash_seed = 0;
  config.module_search_paths_set = 1;
  int first = 1;
  for (; first + 1 < argc && strcmp(argv[first], "-p") == 0; first += 2) {
    wchar_t* dir = Py_DecodeLocale(argv[first + 1], NULL);
    if (dir == NULL || PyStatus_Exception(PyWideStringList_Append(&config.module_search_paths, dir)))
      return fail("cannot be decoded", argv[first + 1]);
    PyMem_RawFree(dir);
  }
  if (first >= argc) {
    fprintf(stderr, "usage: embed [-p DIR]... FILE:N ...\n");
    return 2;
  }
  PyStatus status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) Py_ExitStatusException(status);
  int rc = 0;
  for (int i = first; i < argc && rc == 0; i++) rc = run_workload(argv[i]);
  if (rc == 0) rc = app_checks();
  fflush(stdout);
  if (Py_FinalizeEx() < 0) return 120;
  return rc;
}
