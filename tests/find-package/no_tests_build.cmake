# no_tests_build.cmake — ctest `package.no_tests_build`, run as `cmake -P`: configure the project
# as a packager does (-DINTERPROBE_BUILD_TESTS=OFF) and check that its build graph builds no
# victim variant and runs neither clang nor lld, so they are not build dependencies of the
# installed tool (docs/PACKAGING.md). Configure only: `ninja -t commands` lists what a build
# would run without running it.
# Variables: SOURCE_DIR WORK_DIR GENERATOR C_COMPILER CXX_COMPILER
cmake_minimum_required(VERSION 3.25)

function(fail)
  message(FATAL_ERROR "no-tests build: ${ARGV}")
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}" -G "${GENERATOR}"
                  -DINTERPROBE_BUILD_TESTS=OFF "-DCMAKE_C_COMPILER=${C_COMPILER}"
                  "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  fail("configuring with -DINTERPROBE_BUILD_TESTS=OFF failed:\n${out}")
endif()
if(NOT out MATCHES "victim variants: not built")
  fail("the configure summary does not say the victim is not built:\n${out}")
endif()
if(NOT GENERATOR STREQUAL "Ninja")
  message(STATUS "no-tests build: configured; the build graph check needs Ninja")
  return()
endif()
find_program(NINJA ninja REQUIRED)
execute_process(COMMAND "${NINJA}" -C "${WORK_DIR}" -t commands all
                RESULT_VARIABLE rc OUTPUT_VARIABLE commands ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  fail("ninja -t commands failed: ${err}")
endif()
# (Nor the test-only libprobe.so of victim/probe/, which only a build with the victim has.)
string(REGEX MATCHALL "[^\n]*(clang|lld|libvictim|victim_app|victim/variants|victim/probe)[^\n]*" bad
       "${commands}")
if(bad)
  list(GET bad 0 first)
  fail("the build would run: ${first}")
endif()
string(REGEX MATCHALL "\n" lines "${commands}")
list(LENGTH lines n)
if(n LESS 20)
  fail("the build graph has only ${n} commands, too few to be the whole tool:\n${commands}")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
message(STATUS "no-tests build: ${n} commands, none of them clang, lld or a victim variant")
