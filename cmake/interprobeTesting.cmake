# interprobeTesting.cmake — interprobe_add_interposition_test(): a ctest that checks whether
# LD_PRELOAD overrides of a library's own functions take effect for the library's internal calls.
# Installed with the package and included by interprobeConfig.cmake; docs/PACKAGING.md.
#
#   interprobe_add_interposition_test(
#     NAME <test name>
#     LIBRARY <shared library target | path to the library file>
#     SYMBOLS <function>...           # defined, exported and called by the library itself
#     EXPECT interposable|bound       # interposable: an override reaches the internal calls
#     [LABELS <label>...] [TIMEOUT <seconds>] [WORKING_DIRECTORY <dir>]
#     [RUNTIME_ONLY]                  # skip the static half (a scanner blind spot); needs RUN
#     [RUN <command> [<arg>...]])     # RUN takes the rest of the call; <command> may be a target
#
# The test runs `interprobe check` (docs/cli/check.md): statically from the library file (the
# scanner of `interprobe scan`: PLT/GOT references vs. bound ones) and, with RUN, by running the
# command without and with an override of the symbols (libprobe.so's, or a shim generated for the
# library's other functions, which needs a C compiler) and counting the calls of each symbol that
# reached the override from the library. The test fails, with a one-line reason, on bad input (missing library, a symbol the
# library does not export, a RUN command that cannot start or fails on its own): it never passes
# by accident. Label: `interposition` plus LABELS.

if(CMAKE_VERSION VERSION_LESS 3.20)
  message(FATAL_ERROR "interprobeTesting.cmake needs CMake 3.20 or newer (cmake_path)")
endif()

function(interprobe_add_interposition_test)
  # RUN takes everything after it, so that a command's arguments may look like our keywords.
  set(args ${ARGN})
  set(run "")
  list(FIND args RUN run_at)
  if(run_at GREATER -1)
    math(EXPR after "${run_at} + 1")
    list(SUBLIST args ${after} -1 run)
    list(SUBLIST args 0 ${run_at} args)
    if(NOT run)
      message(FATAL_ERROR "interprobe_add_interposition_test: RUN needs a command")
    endif()
  endif()
  cmake_parse_arguments(T "RUNTIME_ONLY" "NAME;LIBRARY;EXPECT;TIMEOUT;WORKING_DIRECTORY" "SYMBOLS;LABELS" ${args})
  if(T_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "interprobe_add_interposition_test: unexpected arguments: ${T_UNPARSED_ARGUMENTS}")
  endif()
  foreach(required NAME LIBRARY SYMBOLS EXPECT)
    if(NOT T_${required})
      message(FATAL_ERROR "interprobe_add_interposition_test(${T_NAME}): ${required} is required")
    endif()
  endforeach()
  if(NOT T_EXPECT MATCHES "^(interposable|bound)$")
    message(FATAL_ERROR "interprobe_add_interposition_test(${T_NAME}): EXPECT must be interposable or bound, not '${T_EXPECT}'")
  endif()
  if(T_RUNTIME_ONLY AND NOT run)
    message(FATAL_ERROR "interprobe_add_interposition_test(${T_NAME}): RUNTIME_ONLY needs RUN (without it nothing would be checked)")
  endif()
  if(NOT TARGET interprobe::interprobe OR NOT TARGET interprobe::probe)
    message(FATAL_ERROR "interprobe_add_interposition_test: the targets interprobe::interprobe and interprobe::probe are missing (use find_package(interprobe))")
  endif()

  if(TARGET ${T_LIBRARY})
    get_target_property(type ${T_LIBRARY} TYPE)
    if(NOT type MATCHES "^(SHARED|MODULE)_LIBRARY$")
      message(FATAL_ERROR "interprobe_add_interposition_test(${T_NAME}): LIBRARY target ${T_LIBRARY} is a ${type}, not a shared library")
    endif()
    set(library "$<TARGET_FILE:${T_LIBRARY}>")
  else()
    # A path; whether it exists is checked when the test runs (the library may not be built yet).
    cmake_path(ABSOLUTE_PATH T_LIBRARY BASE_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}" OUTPUT_VARIABLE library)
  endif()
  list(JOIN T_SYMBOLS "," symbols)

  set(command "")
  if(run)
    list(POP_FRONT run program)
    if(TARGET ${program})
      set(program "$<TARGET_FILE:${program}>")
    endif()
    set(command -- "${program}" ${run})
  endif()
  if(T_RUNTIME_ONLY)
    set(command --runtime-only ${command})
  endif()
  if(NOT T_WORKING_DIRECTORY)
    set(T_WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  add_test(NAME ${T_NAME}
    COMMAND "$<TARGET_FILE:interprobe::interprobe>" check
            --library "${library}" --symbols "${symbols}" --expect ${T_EXPECT}
            --probe "$<TARGET_FILE:interprobe::probe>" ${command}
    WORKING_DIRECTORY "${T_WORKING_DIRECTORY}")
  set_tests_properties(${T_NAME} PROPERTIES LABELS "interposition;${T_LABELS}")
  if(T_TIMEOUT)
    set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT})
  endif()
endfunction()
