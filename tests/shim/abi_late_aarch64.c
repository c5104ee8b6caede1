/* abi_late_aarch64.c — libshimabi_late.so: dlopen'ed by abi_app (its argument) after the shim
 * built its map of the loaded objects, so that these calls come from an object the map does not
 * know: the trampoline's counting path cannot attribute them and returns 0, and its slow path
 * refreshes the map (dl_iterate_phdr, glibc's ASIMD strlen and memcpy) with the float and vector
 * arguments live in v0-v7. This is the case that needs the slow path's q0-q7 saves
 * (preload/shim/trampoline_aarch64.S): without them the results printed here change, and the
 * calls from the app alone do not show it (tests/shim/shim_aarch64_test.cpp).
 *
 * late_vpcs_add has the vector PCS (v8-v23 callee-saved in full): its .dynsym entry is marked
 * STO_AARCH64_VARIANT_PCS, and a shim of this library skips it (tools/shim/aarch64/template.cpp).
 */
#include <arm_neon.h>
#include <stdio.h>

struct hfa4 {
  float a, b, c, d;
};
float64x2_t neon_add(float64x2_t a, float64x2_t b);
struct hfa4 hfa_scale(struct hfa4 h, float f, double d);
double many_doubles(double, int, double, double, double, double, double, double, double, int,
                    double, double);

void late_round(void) {
  float64x2_t r = neon_add((float64x2_t){7.5, -3.25}, (float64x2_t){0.125, 1e-300});
  printf("late neon_add %.17g %.17g\n", vgetq_lane_f64(r, 0), vgetq_lane_f64(r, 1));
  struct hfa4 s = hfa_scale((struct hfa4){9.5f, -1.5f, 2.25f, 8.0f}, 1.5f, -2.0);
  printf("late hfa_scale %.9g %.9g %.9g %.9g\n", s.a, s.b, s.c, s.d);
  printf("late many_doubles %.6f\n",
         many_doubles(0.5, 3, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 4, 8.5, 9.5));
}

__attribute__((aarch64_vector_pcs)) float64x2_t late_vpcs_add(float64x2_t a, float64x2_t b) {
  return vaddq_f64(a, b);
}
