# interprobe_add_victim_variant(NAME <name> COMPILER gcc|clang [CFLAGS ...] [LDFLAGS ...]
#                               SOURCES ... INCLUDE_DIR <dir> OUTPUT_DIR <dir>)
#
# Builds one variant of the victim library: <OUTPUT_DIR>/<name>/libvictim.so.1 (+ libvictim.so),
# always with SONAME libvictim.so.1, so one app runs against any variant through LD_LIBRARY_PATH.
# Creates the target victim_<name> and appends <name> to INTERPROBE_VICTIM_VARIANTS.
#
# Why a custom command and not add_library: the matrix needs gcc and clang side by side, and a CMake
# project has one C compiler. Compiling and linking in one driver call also makes the recorded
# command line exactly the flags of the variant (docs/DRAWBACKS.md prints it), and lets -flto see
# every translation unit.
function(interprobe_add_victim_variant)
  cmake_parse_arguments(PARSE_ARGV 0 V "" "NAME;COMPILER;INCLUDE_DIR;OUTPUT_DIR" "CFLAGS;LDFLAGS;SOURCES")
  if(V_COMPILER STREQUAL "gcc")
    set(cc "${INTERPROBE_GCC}")
  elseif(V_COMPILER STREQUAL "clang")
    set(cc "${INTERPROBE_CLANG}")
  else()
    message(FATAL_ERROR "victim variant ${V_NAME}: unknown compiler '${V_COMPILER}'")
  endif()
  if(NOT cc)
    set(INTERPROBE_VICTIM_SKIPPED ${INTERPROBE_VICTIM_SKIPPED} ${V_NAME} PARENT_SCOPE)
    return()
  endif()
  set(dir "${V_OUTPUT_DIR}/${V_NAME}")
  set(lib "${dir}/libvictim.so.1")
  add_custom_command(
    OUTPUT "${lib}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
    COMMAND "${cc}" -g -fPIC -shared ${V_CFLAGS} "-I${V_INCLUDE_DIR}" ${V_SOURCES}
            -Wl,-soname,libvictim.so.1 ${V_LDFLAGS} -o "${lib}"
    COMMAND ${CMAKE_COMMAND} -E create_symlink libvictim.so.1 "${dir}/libvictim.so"
    DEPENDS ${V_SOURCES} "${V_INCLUDE_DIR}/victim.h" ${INTERPROBE_VICTIM_EXTRA_DEPENDS}
    COMMENT "victim variant ${V_NAME}: ${V_COMPILER} ${V_CFLAGS} ${V_LDFLAGS}"
    VERBATIM COMMAND_EXPAND_LISTS)
  add_custom_target(victim_${V_NAME} ALL DEPENDS "${lib}")
  set(INTERPROBE_VICTIM_VARIANTS ${INTERPROBE_VICTIM_VARIANTS} ${V_NAME} PARENT_SCOPE)
endfunction()

# interprobe_add_victim_variants_from_matrix(<matrix.json> ...) — one variant per entry of the
# "variants" array of the truth table (victim/matrix.json), with its compiler and flags.
function(interprobe_add_victim_variants_from_matrix matrix)
  cmake_parse_arguments(PARSE_ARGV 1 M "" "INCLUDE_DIR;OUTPUT_DIR" "SOURCES")
  file(READ "${matrix}" json)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${matrix}")
  string(JSON n LENGTH "${json}" variants)
  math(EXPR last "${n} - 1")
  foreach(i RANGE ${last})
    string(JSON name GET "${json}" variants ${i} name)
    string(JSON compiler GET "${json}" variants ${i} compiler)
    string(JSON cflags GET "${json}" variants ${i} cflags)
    string(JSON ldflags GET "${json}" variants ${i} ldflags)
    separate_arguments(cflags UNIX_COMMAND "${cflags}")
    separate_arguments(ldflags UNIX_COMMAND "${ldflags}")
    interprobe_add_victim_variant(NAME ${name} COMPILER ${compiler} CFLAGS ${cflags}
      LDFLAGS ${ldflags} SOURCES ${M_SOURCES} INCLUDE_DIR ${M_INCLUDE_DIR}
      OUTPUT_DIR ${M_OUTPUT_DIR})
  endforeach()
  set(INTERPROBE_VICTIM_VARIANTS ${INTERPROBE_VICTIM_VARIANTS} PARENT_SCOPE)
  set(INTERPROBE_VICTIM_SKIPPED ${INTERPROBE_VICTIM_SKIPPED} PARENT_SCOPE)
endfunction()
