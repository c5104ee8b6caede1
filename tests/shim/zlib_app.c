/* zlib_app.c — a real workload on Debian's libz: compresses and decompresses ROUNDS buffers of
 * pseudo-random, compressible text with compress2/uncompress and prints a CRC-32 of everything
 * it produced, and how many calls of each it made. Run with and without a shim of libz.so.1:
 * the output must not change, and the shim must count exactly these calls from this program. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { ROUNDS = 200, SIZE = 16384 };

int main(void) {
  static unsigned char in[SIZE], packed[SIZE * 2], out[SIZE];
  unsigned long seed = 12345;
  uLong crc = crc32(0L, Z_NULL, 0);
  int compressions = 0, decompressions = 0;
  for (int r = 0; r < ROUNDS; ++r) {
    for (int i = 0; i < SIZE; ++i) {
      seed = seed * 6364136223846793005UL + 1442695040888963407UL;
      in[i] = "abcdefgh  \n"[(seed >> 33) % 11];
    }
    uLongf packed_len = sizeof packed, out_len = sizeof out;
    if (compress2(packed, &packed_len, in, SIZE, 1 + r % 9) != Z_OK) return 1;
    ++compressions;
    if (uncompress(out, &out_len, packed, packed_len) != Z_OK) return 1;
    ++decompressions;
    if (out_len != SIZE || memcmp(in, out, SIZE) != 0) return 1;
    crc = crc32(crc, packed, (uInt)packed_len);
  }
  printf("crc %08lx compress2 %d uncompress %d crc32 %d\n", (unsigned long)crc, compressions,
         decompressions, ROUNDS + 1);
  return 0;
}
