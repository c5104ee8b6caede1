# InterprobeCross.cmake — libprobe.so for another architecture (today aarch64), built by a
# sub-build of this same source tree with a toolchain file, and run under qemu-user.
#
# interprobe_preload_only_build() — the body of a cross build (INTERPROBE_PRELOAD_ONLY, set by
#   default when CMAKE_CROSSCOMPILING): preload/ (libprobe.so, the shim runtime archive) and,
#   with INTERPROBE_VICTIM_LIBRARY (a libvictim.so.1 of that architecture), victim_app linked
#   against it. fmt is used header-only
#   (its headers are the same on every architecture): with no fmt package for the target,
#   INTERPROBE_FMT_INCLUDE_DIR (default /usr/include) provides fmt/, through a directory holding
#   only that link, so that the build machine's libc headers never shadow the target's.
# interprobe_add_aarch64_probe() — in the main build: when the aarch64 cross compilers and the
#   aarch64 victim variants are there, the target probe_aarch64 makes
#   the test-only <build>/aarch64/victim/probe/libprobe.so (the general
#   <build>/aarch64/lib/libprobe.so only on request: its target probe there),
#   <build>/aarch64/bin/victim_app (tests/CMakeLists.txt runs them under qemu-aarch64, label
#   aarch64) and the shim runtime for aarch64 libraries,
#   <build>/aarch64/lib/interprobe/libinterprobe_shim_rt.a (preload/shim/; `interprobe shim`
#   finds it there: tools/shim/generator.cpp).

macro(interprobe_preload_only_build)
  find_package(fmt CONFIG QUIET)
  if(NOT TARGET fmt::fmt-header-only)
    set(INTERPROBE_FMT_INCLUDE_DIR "/usr/include" CACHE PATH
      "A directory with fmt/ (header-only fmt for a cross build; Debian's libfmt-dev).")
    if(NOT EXISTS "${INTERPROBE_FMT_INCLUDE_DIR}/fmt/format.h")
      message(FATAL_ERROR "no fmt headers in ${INTERPROBE_FMT_INCLUDE_DIR}/fmt (Debian package "
        "libfmt-dev; or set INTERPROBE_FMT_INCLUDE_DIR)")
    endif()
    set(fmt_only "${PROJECT_BINARY_DIR}/fmt-headers")
    file(MAKE_DIRECTORY "${fmt_only}")
    file(CREATE_LINK "${INTERPROBE_FMT_INCLUDE_DIR}/fmt" "${fmt_only}/fmt" SYMBOLIC)
    add_library(fmt::fmt-header-only INTERFACE IMPORTED)
    set_target_properties(fmt::fmt-header-only PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${fmt_only}" INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)
  endif()
  add_subdirectory(preload)
  set(INTERPROBE_VICTIM_LIBRARY "" CACHE FILEPATH
    "A libvictim.so.1 of the target architecture: victim_app is linked against it.")
  if(INTERPROBE_VICTIM_LIBRARY)
    # The matrix preloads the test-only libprobe.so with the specimen's overrides (victim/probe/).
    add_subdirectory(victim/probe)
    add_executable(victim_app victim/app.c)
    target_include_directories(victim_app PRIVATE victim/include)
    target_link_libraries(victim_app PRIVATE "${INTERPROBE_VICTIM_LIBRARY}")
    # No RUNPATH, as in the native build: LD_LIBRARY_PATH decides which variant runs.
    set_target_properties(victim_app PROPERTIES SKIP_BUILD_RPATH ON
      RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
  endif()
  message(STATUS "interprobe ${PROJECT_VERSION}: preload-only build for ${CMAKE_SYSTEM_PROCESSOR}"
    " (libprobe.so; victim_app: ${INTERPROBE_VICTIM_LIBRARY})")
endmacro()

function(interprobe_add_aarch64_probe)
  find_program(INTERPROBE_AARCH64_GXX NAMES aarch64-linux-gnu-g++
    DOC "Cross g++ for libprobe.so on aarch64 (empty: not built).")
  if(NOT INTERPROBE_BUILD_TESTS OR NOT INTERPROBE_AARCH64_GXX OR NOT INTERPROBE_AARCH64_GCC
     OR NOT "gcc-O2" IN_LIST INTERPROBE_VICTIM_VARIANTS_aarch64)
    message(STATUS "libprobe.so for aarch64: not built (needs the tests, g++-aarch64-linux-gnu "
      "and the aarch64 victim variants)")
    set(INTERPROBE_AARCH64_PROBE "" CACHE INTERNAL "libprobe.so for aarch64.")
    set(INTERPROBE_AARCH64_VICTIM_APP "" CACHE INTERNAL "victim_app, aarch64.")
    set(INTERPROBE_AARCH64_SHIM_RUNTIME "" CACHE INTERNAL "The shim runtime for aarch64 libraries.")
    return()
  endif()
  include(ExternalProject)
  set(dir "${PROJECT_BINARY_DIR}/aarch64")
  set(victim "${INTERPROBE_AARCH64_VARIANTS_DIR}/gcc-O2/libvictim.so.1")
  ExternalProject_Add(probe_aarch64
    SOURCE_DIR "${PROJECT_SOURCE_DIR}"
    BINARY_DIR "${dir}"
    CMAKE_ARGS -G Ninja
      -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/aarch64-linux-gnu.cmake
      -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
      -DINTERPROBE_VICTIM_LIBRARY=${victim}
      -DINTERPROBE_WARNINGS_AS_ERRORS=${INTERPROBE_WARNINGS_AS_ERRORS}
    BUILD_ALWAYS ON  # its sources are this tree's: let its own ninja decide what is stale
    # What the main build uses of it (the test-only probe and victim_app for the matrix under
    # qemu, the shim runtime for aarch64 shims), not the general libprobe.so: a quarter of the
    # sub-build's compile time (its ninja log: 116 of 500 s), unused here (an aarch64 machine
    # builds interprobe natively). `cmake --build build/aarch64 --target probe` makes it.
    BUILD_COMMAND ${CMAKE_COMMAND} --build <BINARY_DIR> --target probe_specimen victim_app
      shim_runtime
    INSTALL_COMMAND ""
    USES_TERMINAL_BUILD ON
    DEPENDS victim_aarch64_gcc-O2)
  # The test-only libprobe.so (victim/probe/): the aarch64 matrix needs the specimen's overrides.
  set(INTERPROBE_AARCH64_PROBE "${dir}/victim/probe/libprobe.so" CACHE INTERNAL
    "libprobe.so for aarch64.")
  set(INTERPROBE_AARCH64_VICTIM_APP "${dir}/bin/victim_app" CACHE INTERNAL "victim_app, aarch64.")
  set(INTERPROBE_AARCH64_SHIM_RUNTIME "${dir}/lib/interprobe/libinterprobe_shim_rt.a" CACHE INTERNAL
    "The shim runtime archive for aarch64 libraries.")
  find_program(INTERPROBE_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static
    DOC "qemu-user for aarch64: runs the aarch64 matrix (Debian package qemu-user).")
  execute_process(COMMAND ${INTERPROBE_AARCH64_GCC} -print-sysroot OUTPUT_VARIABLE sysroot
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT sysroot OR sysroot STREQUAL "/")  # Debian's cross gcc: its libraries are in /usr/<triplet>
    set(sysroot /usr/aarch64-linux-gnu)
  endif()
  set(INTERPROBE_AARCH64_SYSROOT "${sysroot}" CACHE PATH
    "The aarch64 libraries qemu-aarch64 -L runs the victim app with.")
  message(STATUS "libprobe.so for aarch64: ${INTERPROBE_AARCH64_PROBE} (target probe_aarch64), "
    "run with ${INTERPROBE_QEMU_AARCH64} -L ${INTERPROBE_AARCH64_SYSROOT}")
endfunction()
