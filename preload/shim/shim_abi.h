/* shim_abi.h — the contract between a generated shim (one assembly file written by
 * `interprobe shim`, tools/shim/) and the prebuilt runtime it is linked with (this folder).
 *
 * The generated file defines, all with hidden visibility except the trampolines:
 *   - one trampoline per symbol: `endbr64; movl $INDEX, %r11d; jmp interprobe_shim_entry`
 *     (r11 is a scratch register that no calling convention uses for arguments);
 *   - interprobe_shim_count   (uint32): number of trampolines;
 *   - interprobe_shim_names   (uint32[count]): offsets of NUL-terminated names in
 *     interprobe_shim_strtab (offsets, not pointers: no relocations to process at load time);
 *   - interprobe_shim_strtab  (char[]): the names, then the library path the shim was made for;
 *   - interprobe_shim_library (uint32): offset of that path in interprobe_shim_strtab;
 *   - interprobe_shim_targets (uint64[count], zero-filled): the real definitions, resolved lazily.
 * Bump INTERPROBE_SHIM_ABI when this changes: the generator writes it into the shim and the
 * runtime refuses to link with another one (an undefined symbol named after the version).
 */
#ifndef INTERPROBE_SHIM_ABI_H_
#define INTERPROBE_SHIM_ABI_H_

#define INTERPROBE_SHIM_ABI 1
#define INTERPROBE_SHIM_ABI_SYMBOL interprobe_shim_abi_1

#ifdef __cplusplus
#include <cstdint>
extern "C" {
extern const std::uint32_t interprobe_shim_count;
extern const std::uint32_t interprobe_shim_names[];
extern const char interprobe_shim_strtab[];
extern const std::uint32_t interprobe_shim_library;
extern void* interprobe_shim_targets[];
extern const char INTERPROBE_SHIM_ABI_SYMBOL;

/* Called by interprobe_shim_entry (trampoline_x86_64.S). */
void* interprobe_shim_hit(std::uint32_t index, std::uintptr_t return_address);
void* interprobe_shim_slow(std::uint32_t index, std::uintptr_t return_address);
}
#endif

#endif /* INTERPROBE_SHIM_ABI_H_ */
