# run_test.cmake — the package test (ctest label `package`), run as `cmake -P`:
#  1. `cmake --install` the current build into WORK_DIR/stage, then move the tree to
#     "WORK_DIR/moved prefix" (the original prefix no longer exists: every path must be relative;
#     and the space in it must not break anything, LD_PRELOAD included);
#  2. check the installed files, the man pages, every relative link of the installed
#     documentation, the pkg-config variables and that the installed CLI preloads the installed
#     libprobe.so (not the build tree's) and points its --help to the installed documentation;
#  3. configure and build tests/find-package/ against it with CMAKE_PREFIX_PATH, and run its
#     ctest (with a TMPDIR that has a space in it): expect-pass tests must pass, expect-fail tests
#     must fail with the explanation, and expect-error tests must fail with a one-line reason.
# Variables: BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR C_COMPILER PROBEDIR CMAKEDIR PKGCONFIGDIR
# DOCDIR MANDIR
cmake_minimum_required(VERSION 3.25)

function(fail)
  message(FATAL_ERROR "package test: ${ARGV}")
endfunction()

# run(<result var> <output var> COMMAND...): runs, keeps stdout+stderr together.
function(run rc_var out_var)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  set(${rc_var} "${rc}" PARENT_SCOPE)
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

# matches_at_least(<list var> <regex> <text> <min> <what>): the matches of <regex> in <text>;
# fails, naming <what>, when there are fewer than <min>.
function(matches_at_least list_var regex text min what)
  string(REGEX MATCHALL "${regex}" found "${text}")
  list(LENGTH found n)
  if(n LESS min)
    fail("${what}: ${n} found, at least ${min} expected:\n${text}")
  endif()
  set(${list_var} "${found}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(stage "${WORK_DIR}/stage")
set(prefix "${WORK_DIR}/moved prefix")

run(rc out "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${stage}")
if(NOT rc EQUAL 0)
  fail("cmake --install failed:\n${out}")
endif()
file(RENAME "${stage}" "${prefix}")

set(docdir "${prefix}/${DOCDIR}")
foreach(f bin/interprobe ${PROBEDIR}/libprobe.so ${CMAKEDIR}/interprobeConfig.cmake
          ${CMAKEDIR}/interprobeConfigVersion.cmake ${CMAKEDIR}/interprobeTesting.cmake
          ${PROBEDIR}/libinterprobe_shim_rt.a
          ${PKGCONFIGDIR}/interprobe.pc ${DOCDIR}/README.md ${DOCDIR}/docs/PACKAGING.md
          ${DOCDIR}/docs/cli/run.md ${DOCDIR}/docs/DRAWBACKS.md ${MANDIR}/man1/interprobe.1)
  if(NOT EXISTS "${prefix}/${f}")
    fail("${f} is not installed")
  endif()
endforeach()

# A man page per subcommand that `interprobe --help` lists.
run(rc out "${prefix}/bin/interprobe" --help)
string(REGEX MATCH "Subcommands:\n(  [a-z]+[^\n]*\n)+" commands "${out}")
matches_at_least(commands "\n  [a-z]+" "${commands}" 6 "subcommands in `interprobe --help`")
foreach(c IN LISTS commands)
  string(STRIP "${c}" c)
  if(NOT EXISTS "${prefix}/${MANDIR}/man1/interprobe-${c}.1")
    fail("no man page interprobe-${c}.1 for the subcommand ${c}")
  endif()
endforeach()

# Every relative link of every installed page leads to an installed file (README.md links to
# docs/, preload/ and victim/: the documentation keeps the source tree's layout).
file(GLOB_RECURSE pages "${docdir}/*.md")
foreach(page IN LISTS pages)
  file(READ "${page}" text)
  # "](" marks a Markdown link; brackets would confuse CMake's list splitting, so replace it.
  string(REPLACE "](" "<link>" text "${text}")
  string(REGEX MATCHALL "<link>[^)#: ]+[)#]" links "${text}")
  get_filename_component(dir "${page}" DIRECTORY)
  foreach(link IN LISTS links)
    string(REGEX REPLACE "^<link>([^)#]+).$" "\\1" target "${link}")
    if(NOT EXISTS "${dir}/${target}")
      file(RELATIVE_PATH rel "${docdir}" "${page}")
      fail("the installed ${rel} links to ${target}, which is not installed")
    endif()
  endforeach()
endforeach()

# The installed --help points to the installed documentation.
run(rc out "${prefix}/bin/interprobe" run --help)
if(NOT out MATCHES "Documentation: ${docdir}/docs/cli/run.md and `man interprobe-run`")
  fail("the installed `interprobe run --help` does not name ${docdir}/docs/cli/run.md:\n${out}")
endif()

# The installed CLI preloads the installed probe, found relative to itself after the move; its
# path has a space, which LD_PRELOAD cannot carry, so it goes through a link (tools/process/preload_env.hpp).
run(rc out "${prefix}/bin/interprobe" run -- sh -c "readlink -f \"$LD_PRELOAD\" && echo \"[$LD_PRELOAD]\"")
# (readlink's report, on stderr, comes between the two lines of stdout.)
if(NOT rc EQUAL 0 OR NOT out MATCHES "^${prefix}/${PROBEDIR}/libprobe.so\n"
   OR NOT out MATCHES "\n\\[/[^ :]*/libprobe.so\\]\n")
  fail("the installed interprobe does not preload ${prefix}/${PROBEDIR}/libprobe.so:\n${out}")
endif()
# The installed `interprobe shim` names the installed runtime as its default (its --help matches
# PATTERN) and makes a shim of LIB with it.
function(check_installed_shim pattern lib output)
  run(rc out "${prefix}/bin/interprobe" shim --help)
  if(NOT out MATCHES "${pattern}")
    fail("the installed interprobe shim does not default to the installed runtime:\n${out}")
  endif()
  run(rc out "${prefix}/bin/interprobe" shim --lib "${lib}" --symbols victim_err_occurred
      -o "${output}")
  if(NOT rc EQUAL 0 OR NOT EXISTS "${output}")
    fail("the installed interprobe shim could not build a shim of ${lib}:\n${out}")
  endif()
endfunction()
check_installed_shim("${prefix}/${PROBEDIR}/libinterprobe_shim_rt.a"
  "${BUILD_DIR}/victim/variants/gcc-O2/libvictim.so.1" "${WORK_DIR}/libshim.so")
# Where this build cross-built the aarch64 shim runtime, it is installed in a directory named
# after the processor, and the installed `interprobe shim` makes an aarch64 library's shim with it.
if(AARCH64_SHIM_RUNTIME AND AARCH64_VICTIM)
  if(NOT EXISTS "${prefix}/${PROBEDIR}/aarch64/libinterprobe_shim_rt.a")
    fail("${PROBEDIR}/aarch64/libinterprobe_shim_rt.a is not installed")
  endif()
  check_installed_shim("aarch64 library: ${prefix}/${PROBEDIR}/aarch64/libinterprobe_shim_rt.a"
    "${AARCH64_VICTIM}" "${WORK_DIR}/libshim-aarch64.so")
endif()
run(rc out "${prefix}/bin/interprobe" matrix)
if(NOT rc EQUAL 2 OR NOT out MATCHES "not installed")
  fail("installed `interprobe matrix` should say the victim variants are not installed:\n${out}")
endif()

find_program(PKG_CONFIG_EXECUTABLE pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${prefix}/${PKGCONFIGDIR}")
foreach(var probe interprobe)
  run(rc out "${PKG_CONFIG_EXECUTABLE}" --variable=${var} interprobe)
  string(STRIP "${out}" path)
  # pkg-config writes a space in ${pcfiledir} as "\ " (its own convention, for a shell); a
  # reader of the variable undoes it (docs/PACKAGING.md).
  string(REPLACE "\\ " " " path "${path}")
  file(REAL_PATH "${path}" real)
  if(NOT rc EQUAL 0 OR NOT EXISTS "${path}" OR NOT real MATCHES "^${prefix}/")
    fail("pkg-config --variable=${var} interprobe gave '${out}', not a file under ${prefix}")
  endif()
endforeach()

set(example "${WORK_DIR}/example")
run(rc out "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/find-package" -B "${example}"
    -G "${GENERATOR}" "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DCMAKE_PREFIX_PATH=${prefix}")
if(NOT rc EQUAL 0)
  fail("configuring the example against the installed package failed:\n${out}")
endif()
run(rc out "${CMAKE_COMMAND}" --build "${example}")
if(NOT rc EQUAL 0)
  fail("building the example failed:\n${out}")
endif()

# Every test of a label, one by one, so that each one's outcome and message are checked.
function(check_label label want_rc_zero pattern)
  run(rc out ctest --test-dir "${example}" -N -L "^${label}$")
  matches_at_least(lines "Test +#[0-9]+: [^\n]+" "${out}" 1 "the example's ${label} tests")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "Test +#[0-9]+: " "" name "${line}")
    string(REPLACE "." "\\." name_re "${name}")
    # A passing test's output is shown only with --verbose (lines prefixed "N: ").
    if(want_rc_zero)
      set(show --verbose)
    else()
      set(show --output-on-failure)
    endif()
    run(rc out ctest --test-dir "${example}" -R "^${name_re}$" ${show})
    if(want_rc_zero AND NOT rc EQUAL 0)
      fail("${name} should pass:\n${out}")
    elseif(NOT want_rc_zero AND rc EQUAL 0)
      fail("${name} should fail but passed:\n${out}")
    endif()
    if(NOT out MATCHES "${pattern}")
      fail("${name}: output does not match '${pattern}':\n${out}")
    endif()
    message(STATUS "${label}: ${name} as expected")
  endforeach()
endfunction()

# The example's checks build shims and write loader logs in TMPDIR: one with a space in it.
set(ENV{TMPDIR} "${WORK_DIR}/tmp dir")
file(MAKE_DIRECTORY "$ENV{TMPDIR}")
check_label(expect-pass TRUE "result: ok")
# With RUN, the installed interprobe observed example_err_occurred (not one of libprobe.so's
# symbols) through a shim it built from the installed runtime.
foreach(name runtime.default.interposable runtime.symbolic.bound runtime_only.default.interposable)
  run(rc out ctest --test-dir "${example}" -R "^${name}$" --verbose)
  if(NOT out MATCHES "without and with the shim for example_err_occurred")
    fail("${name}: the run-time half did not run through a shim:\n${out}")
  endif()
  if(name MATCHES "^runtime_only" AND NOT out MATCHES "static: not checked: --runtime-only")
    fail("${name}: RUNTIME_ONLY did not skip the static half:\n${out}")
  endif()
endforeach()
# The verdict, its evidence once (wrapped: continuation lines are indented by six), then what it
# means.
check_label(expect-fail FALSE "— FAILED\n    evidence: [^\n]+\n(      [^\n]+\n)*    Expected: [^\n]+(\n      [^\n]+)*\nruntime: not checked[^\n]*\nresult: FAILED")
# The nosi build inlined its only internal call, and its data still goes through the GOT: the
# explanation must not call the function unused (zlib's gzerror is), it cannot tell.
run(rc out ctest --test-dir "${example}" -R "^nosi\\.interposable$" --output-on-failure)
string(REPLACE "\n      " " " flat "${out}")
if(flat MATCHES "Most likely" OR NOT flat MATCHES "does not say whether it was inlined")
  fail("nosi.interposable must say it cannot tell inlined from never called:\n${out}")
endif()
# One line on stderr naming the problem, and no verdict.
check_label(expect-error FALSE "interprobe check: [^\n]+\n")
# Each names its own problem (the RUN problems are found before the symbol's).
foreach(pair "error.missing_library|not found" "error.unknown_symbol|is not in the dynamic symbol table"
             "error.run_not_found|could not be started" "error.not_loaded|never loaded")
  string(REPLACE "|" ";" pair "${pair}")
  list(GET pair 0 name)
  list(GET pair 1 why)
  run(rc out ctest --test-dir "${example}" -R "^${name}$" --output-on-failure)
  if(out MATCHES "result: ok" OR NOT out MATCHES "${why}")
    fail("${name} should fail saying '${why}':\n${out}")
  endif()
endforeach()
file(GLOB left "$ENV{TMPDIR}/*" "$ENV{TMPDIR}/.*")
if(left)
  fail("the checks left files in TMPDIR: ${left}")
endif()
message(STATUS "package test: install, relocation, pkg-config and the example project work")
