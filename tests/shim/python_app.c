/* python_app.c — embeds Debian's libpython3.11 and runs a small workload that raises and catches
 * exceptions (so libpython calls PyErr_Occurred internally), then prints its result. Run with
 * and without a shim of libpython3.11.so.1.0 --all-exported: output must not change. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

int main(void) {
  Py_Initialize();
  int rc = PyRun_SimpleString(
      "import json\n"
      "d = {str(i): [i, i * 2.5, None] for i in range(2000)}\n"
      "s = json.dumps(d, sort_keys=True)\n"
      "n = 0\n"
      "for i in range(3000):\n"
      "    try:\n"
      "        int('x' + str(i))\n"
      "    except ValueError:\n"
      "        n += 1\n"
      "print('python', len(s), sum(json.loads(s)['1999'][:2]), n)\n");
  PyObject *none = Py_None;
  int occurred = PyErr_Occurred() != NULL;
  printf("app PyErr_Occurred %d %s\n", occurred, none == Py_None ? "ok" : "bad");
  if (Py_FinalizeEx() < 0) return 120;
  return rc == 0 ? 0 : 1;
}
