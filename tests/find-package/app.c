/* app.c — calls the example library once and prints what it returned. */
#include <stdio.h>

int example_answer(void);

int main(void) {
  printf("example_answer %d\n", example_answer());
  return 0;
}
