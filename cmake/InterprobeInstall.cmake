# InterprobeInstall.cmake — install and export, like fmt: the `interprobe` CLI, libprobe.so, the
# CMake package (interprobeConfig.cmake + version file + interprobeTargets.cmake with
# interprobe::interprobe and interprobe::probe, plus the interprobeTesting.cmake module), a
# pkg-config file, the docs and the man pages. Every installed path is relative to the prefix, so an installed
# tree can be moved or copied elsewhere (tests/find-package/ checks that).
#
# No headers: interprobe has no public C/C++ API. libprobe.so is used through LD_PRELOAD, and the
# libraries under tools/ are an implementation detail of the CLI and the tests.
include(CMakePackageConfigHelpers)

set(INTERPROBE_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/interprobe" CACHE STRING
  "Where the CMake package files are installed, relative to the prefix.")
set(INTERPROBE_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig" CACHE STRING
  "Where interprobe.pc is installed, relative to the prefix.")

install(TARGETS interprobe EXPORT interprobeTargets
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
# A MODULE is exported as an imported MODULE library: $<TARGET_FILE:interprobe::probe> is the
# installed libprobe.so, ready for LD_PRELOAD; nothing can link against it by mistake.
install(TARGETS probe EXPORT interprobeTargets
  LIBRARY DESTINATION "${INTERPROBE_INSTALL_PROBEDIR}")
# The prebuilt runtime that `interprobe shim` links into every generated shim (preload/shim/), and
# the one for shims of another machine's libraries where this build cross-built it
# (cmake/InterprobeCross.cmake), in a directory named after that machine's processor:
# lib/interprobe/aarch64/libinterprobe_shim_rt.a (tools/shim/generator.cpp finds it there).
install(FILES "${INTERPROBE_SHIM_RUNTIME}" DESTINATION "${INTERPROBE_INSTALL_PROBEDIR}")
if(INTERPROBE_AARCH64_SHIM_RUNTIME)
  install(FILES "${INTERPROBE_AARCH64_SHIM_RUNTIME}"
    DESTINATION "${INTERPROBE_INSTALL_PROBEDIR}/aarch64")
endif()
install(EXPORT interprobeTargets NAMESPACE interprobe::
  DESTINATION "${INTERPROBE_INSTALL_CMAKEDIR}")

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/interprobeConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/package/interprobeConfig.cmake"
  INSTALL_DESTINATION "${INTERPROBE_INSTALL_CMAKEDIR}")
# 0.x: a new minor version may change the CLI, so only the same minor version is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/package/interprobeConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/package/interprobeConfig.cmake"
  "${PROJECT_BINARY_DIR}/package/interprobeConfigVersion.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/interprobeTesting.cmake"
  DESTINATION "${INTERPROBE_INSTALL_CMAKEDIR}")

# pkg-config: ${pcfiledir} keeps the file relocatable. No Cflags/Libs (nothing to link); the
# variables name the pieces: `pkg-config --variable=probe interprobe`.
cmake_path(ABSOLUTE_PATH INTERPROBE_INSTALL_PKGCONFIGDIR BASE_DIRECTORY "${CMAKE_INSTALL_PREFIX}"
  OUTPUT_VARIABLE pcdir_full)
file(RELATIVE_PATH INTERPROBE_PC_PREFIX_FROM_PCDIR "${pcdir_full}" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" INTERPROBE_PC_PREFIX_FROM_PCDIR "${INTERPROBE_PC_PREFIX_FROM_PCDIR}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/interprobe.pc.in"
  "${PROJECT_BINARY_DIR}/package/interprobe.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/package/interprobe.pc"
  DESTINATION "${INTERPROBE_INSTALL_PKGCONFIGDIR}")

# The documentation keeps the source tree's layout (README.md, docs/, and the files outside docs/
# that README.md or docs/ link to), so that every relative link works where it is installed;
# tests/find-package/run_test.cmake checks each link of each installed page.
install(FILES README.md DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(DIRECTORY docs/ DESTINATION "${CMAKE_INSTALL_DOCDIR}/docs" FILES_MATCHING PATTERN "*.md")
install(FILES preload/README.md DESTINATION "${CMAKE_INSTALL_DOCDIR}/preload")
install(FILES tools/README.md DESTINATION "${CMAKE_INSTALL_DOCDIR}/tools")
install(FILES victim/matrix.json DESTINATION "${CMAKE_INSTALL_DOCDIR}/victim")
# How docs/CASE-LIBPYTHON.md was made (README.md and that document link to it).
install(FILES bench/cpython/README.md DESTINATION "${CMAKE_INSTALL_DOCDIR}/bench/cpython")
# interprobe(1) and interprobe-COMMAND(1), generated from the CLI definitions (tools/CMakeLists.txt).
install(FILES ${INTERPROBE_MAN_PAGES} DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
