# interprobe_add_victim_variant(NAME <name> COMPILER gcc|clang [ARCH aarch64] [CFLAGS ...]
#                               [LDFLAGS ...] SOURCES ... INCLUDE_DIR <dir> OUTPUT_DIR <dir>)
#
# Builds one variant of the victim library: <OUTPUT_DIR>/<name>/libvictim.so.1 (+ libvictim.so),
# always with SONAME libvictim.so.1, so one app runs against any variant through LD_LIBRARY_PATH.
# Creates the target victim_<name> and appends <name> to INTERPROBE_VICTIM_VARIANTS.
# With ARCH (a cross build, see interprobe_victim_driver): the target is victim_<ARCH>_<name> and
# the lists are INTERPROBE_VICTIM_VARIANTS_<ARCH> / INTERPROBE_VICTIM_SKIPPED_<ARCH>.
#
# Why a custom command and not add_library: the matrix needs gcc and clang side by side, and a CMake
# project has one C compiler. Compiling and linking in one driver call also makes the recorded
# command line exactly the flags of the variant (docs/DRAWBACKS.md prints it), and lets -flto see
# every translation unit.
# interprobe_victim_driver(<gcc|clang> <arch or ""> <out_cc> <out_flags>) — the compiler driver
# for a variant, and the flags that make it build for <arch>: the host's gcc or clang, or
# aarch64-linux-gnu-gcc (INTERPROBE_AARCH64_GCC) and clang --target=aarch64-linux-gnu
# -fuse-ld=lld (no --sysroot: Debian's cross libc linker scripts name absolute paths). <out_cc>
# is empty when that compiler is missing.
function(interprobe_victim_driver compiler arch out_cc out_flags)
  set(flags)
  if(compiler STREQUAL "gcc")
    set(cc "${INTERPROBE_GCC}")
    if(arch STREQUAL "aarch64")
      set(cc "${INTERPROBE_AARCH64_GCC}")
    endif()
  elseif(compiler STREQUAL "clang")
    set(cc "${INTERPROBE_CLANG}")
    if(arch STREQUAL "aarch64")
      set(flags --target=aarch64-linux-gnu -fuse-ld=lld)
      if(NOT INTERPROBE_AARCH64_GCC OR NOT INTERPROBE_LLD)  # clang links with its crt and libgcc
        set(cc "")
      endif()
    endif()
  else()
    message(FATAL_ERROR "victim variant: unknown compiler '${compiler}'")
  endif()
  if(arch AND NOT arch STREQUAL "aarch64")
    message(FATAL_ERROR "victim variant: unknown architecture '${arch}'")
  endif()
  set(${out_cc} "${cc}" PARENT_SCOPE)
  set(${out_flags} ${flags} PARENT_SCOPE)
endfunction()

function(interprobe_add_victim_variant)
  cmake_parse_arguments(PARSE_ARGV 0 V "" "NAME;COMPILER;ARCH;INCLUDE_DIR;OUTPUT_DIR"
    "CFLAGS;LDFLAGS;SOURCES")
  interprobe_victim_driver("${V_COMPILER}" "${V_ARCH}" cc driver_flags)
  set(suffix "")
  set(target victim_${V_NAME})
  if(V_ARCH)
    set(suffix _${V_ARCH})
    set(target victim_${V_ARCH}_${V_NAME})
  endif()
  if(NOT cc)
    set(INTERPROBE_VICTIM_SKIPPED${suffix} ${INTERPROBE_VICTIM_SKIPPED${suffix}} ${V_NAME}
      PARENT_SCOPE)
    return()
  endif()
  set(dir "${V_OUTPUT_DIR}/${V_NAME}")
  set(lib "${dir}/libvictim.so.1")
  add_custom_command(
    OUTPUT "${lib}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
    COMMAND "${cc}" ${driver_flags} -g -fPIC -shared ${V_CFLAGS} "-I${V_INCLUDE_DIR}" ${V_SOURCES}
            -Wl,-soname,libvictim.so.1 ${V_LDFLAGS} -o "${lib}"
    COMMAND ${CMAKE_COMMAND} -E create_symlink libvictim.so.1 "${dir}/libvictim.so"
    DEPENDS ${V_SOURCES} "${V_INCLUDE_DIR}/victim.h" ${INTERPROBE_VICTIM_EXTRA_DEPENDS}
    COMMENT "victim variant ${V_ARCH} ${V_NAME}: ${V_COMPILER} ${V_CFLAGS} ${V_LDFLAGS}"
    VERBATIM COMMAND_EXPAND_LISTS)
  add_custom_target(${target} ALL DEPENDS "${lib}")
  set(INTERPROBE_VICTIM_VARIANTS${suffix} ${INTERPROBE_VICTIM_VARIANTS${suffix}} ${V_NAME}
    PARENT_SCOPE)
endfunction()

# interprobe_add_victim_variants_from_matrix(<matrix.json> [ARCH <arch>] ...) —
# one variant per entry of the "variants" array of the truth table (victim/matrix.json), with its
# compiler and flags. For ARCH, the variants the table's "architectures" object lists under
# <arch>.not_built (flags the architecture does not have; the reason is printed in DRAWBACKS.md)
# are left out.
function(interprobe_add_victim_variants_from_matrix matrix)
  cmake_parse_arguments(PARSE_ARGV 1 M "" "ARCH;INCLUDE_DIR;OUTPUT_DIR" "SOURCES")
  file(READ "${matrix}" json)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${matrix}")
  set(M_SKIP "")
  if(M_ARCH)
    string(JSON skipped ERROR_VARIABLE none GET "${json}" architectures ${M_ARCH} not_built)
    if(NOT none)
      string(JSON k LENGTH "${skipped}")
      math(EXPR k_last "${k} - 1")
      foreach(i RANGE ${k_last})
        string(JSON name MEMBER "${skipped}" ${i})
        list(APPEND M_SKIP ${name})
      endforeach()
    endif()
  endif()
  string(JSON n LENGTH "${json}" variants)
  math(EXPR last "${n} - 1")
  foreach(i RANGE ${last})
    string(JSON name GET "${json}" variants ${i} name)
    if(name IN_LIST M_SKIP)
      continue()
    endif()
    string(JSON compiler GET "${json}" variants ${i} compiler)
    string(JSON cflags GET "${json}" variants ${i} cflags)
    string(JSON ldflags GET "${json}" variants ${i} ldflags)
    separate_arguments(cflags UNIX_COMMAND "${cflags}")
    separate_arguments(ldflags UNIX_COMMAND "${ldflags}")
    interprobe_add_victim_variant(NAME ${name} COMPILER ${compiler} ARCH "${M_ARCH}"
      CFLAGS ${cflags} LDFLAGS ${ldflags} SOURCES ${M_SOURCES} INCLUDE_DIR ${M_INCLUDE_DIR}
      OUTPUT_DIR ${M_OUTPUT_DIR})
  endforeach()
  set(suffix "")
  if(M_ARCH)
    set(suffix _${M_ARCH})
  endif()
  set(INTERPROBE_VICTIM_VARIANTS${suffix} ${INTERPROBE_VICTIM_VARIANTS${suffix}} PARENT_SCOPE)
  set(INTERPROBE_VICTIM_SKIPPED${suffix} ${INTERPROBE_VICTIM_SKIPPED${suffix}} PARENT_SCOPE)
endfunction()

# interprobe_add_aarch64_victim_variants(SOURCES ... INCLUDE_DIR <dir> OUTPUT_DIR <dir>
#                                        MATRIX <matrix.json>) — the truth table's variants
# cross-built for aarch64, and the aarch64-only ones. Left out: those of the table's
# architectures.aarch64.not_built (gcc-cet: -fcf-protection and -z ibt/shstk are x86-only; gcc and
# clang refuse them for aarch64). Added: branch protection,
# -mbranch-protection=standard (`bti c`/`paciasp` at entries). Debian 12's cross crti.o/crtn.o/
# crtbeginS.o carry no BTI property note, so the linker's AND of the notes drops BTI from the
# library (readelf -n: no note) unless -z force-bti sets it (with a warning per file): the
# -branch-protection variant shows the first, the -bti ones the second, with GNU ld's and lld's
# BTI PLT stubs, lld's -z pac-plt stubs (autia1716 before br x17) and lld's .iplt. Expectations:
# tests/scan/scan_aarch64_test.cpp.
function(interprobe_add_aarch64_victim_variants)
  cmake_parse_arguments(PARSE_ARGV 0 A "" "MATRIX;INCLUDE_DIR;OUTPUT_DIR" "SOURCES")
  set(common SOURCES ${A_SOURCES} INCLUDE_DIR ${A_INCLUDE_DIR} OUTPUT_DIR ${A_OUTPUT_DIR})
  interprobe_add_victim_variants_from_matrix("${A_MATRIX}" ARCH aarch64 ${common})
  set(bp -O2 -mbranch-protection=standard)
  interprobe_add_victim_variant(NAME gcc-branch-protection COMPILER gcc ARCH aarch64
    CFLAGS ${bp} ${common})
  interprobe_add_victim_variant(NAME gcc-bti COMPILER gcc ARCH aarch64
    CFLAGS ${bp} LDFLAGS -Wl,-z,force-bti ${common})
  interprobe_add_victim_variant(NAME gcc-bti-nosi COMPILER gcc ARCH aarch64
    CFLAGS ${bp} -fno-semantic-interposition LDFLAGS -Wl,-z,force-bti ${common})
  interprobe_add_victim_variant(NAME clang-lld-bti COMPILER clang ARCH aarch64
    CFLAGS ${bp} LDFLAGS -Wl,-z,force-bti ${common})
  interprobe_add_victim_variant(NAME clang-lld-bti-pac-plt COMPILER clang ARCH aarch64
    CFLAGS ${bp} LDFLAGS -Wl,-z,force-bti -Wl,-z,pac-plt ${common})
  # lld puts the stub of an ifunc bound inside the library (IRELATIVE) in .iplt, with `bti c`.
  interprobe_add_victim_variant(NAME clang-lld-Bsymbolic-bti COMPILER clang ARCH aarch64
    CFLAGS ${bp} LDFLAGS -Wl,-z,force-bti -Wl,-Bsymbolic ${common})
  set(INTERPROBE_VICTIM_VARIANTS_aarch64 ${INTERPROBE_VICTIM_VARIANTS_aarch64} PARENT_SCOPE)
  set(INTERPROBE_VICTIM_SKIPPED_aarch64 ${INTERPROBE_VICTIM_SKIPPED_aarch64} PARENT_SCOPE)
endfunction()
