# InterprobeSanitize.cmake — builds interprobe's own targets with the sanitizers named in
# INTERPROBE_SANITIZE (a -fsanitize= list: "address,undefined" or "thread"); empty = off.
#
# Only interprobe's own code is instrumented (probe core, the libraries under tools/, the CLI,
# their tests). libprobe.so is left out of the default build in a sanitizer tree: an
# instrumented probe would need the sanitizer runtime loaded first in every host, which
# uninstrumented programs do not do ("ASan runtime does not come first in initial library list"),
# so its core is tested under the sanitizers through the unit tests instead (docs/RELIABILITY.md).
set(INTERPROBE_SANITIZE "" CACHE STRING
  "Sanitizers for interprobe's own targets, as a -fsanitize= list (address,undefined or thread); empty for none.")

# Every target of the project under `dir`, recursively.
function(interprobe_collect_targets out dir)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    interprobe_collect_targets(more "${sub}")
    list(APPEND targets ${more})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# interprobe_sanitize() — call once, at the end of the top-level CMakeLists.txt: instruments every
# executable and library of the project, so that no target links instrumented code without the
# runtime (a list of names went stale as targets were added). Excluded: what is loaded into other
# people's processes — libprobe.so (both builds) and the shim runtime — and custom targets.
function(interprobe_sanitize)
  if(NOT INTERPROBE_SANITIZE)
    return()
  endif()
  interprobe_collect_targets(all "${PROJECT_SOURCE_DIR}")
  set(excluded probe probe_specimen shim_runtime_fast shim_runtime_slow)
  foreach(target IN LISTS all)
    get_target_property(type ${target} TYPE)
    if(target IN_LIST excluded OR NOT type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|OBJECT_LIBRARY)$")
      continue()
    endif()
    target_compile_options(${target} PRIVATE -fsanitize=${INTERPROBE_SANITIZE}
      -fno-omit-frame-pointer -fno-sanitize-recover=all)
    if(type STREQUAL "EXECUTABLE")
      target_link_options(${target} PRIVATE -fsanitize=${INTERPROBE_SANITIZE})
    endif()
  endforeach()
  foreach(target IN ITEMS probe probe_specimen shim_runtime)
    if(TARGET ${target})
      set_target_properties(${target} PROPERTIES EXCLUDE_FROM_ALL ON)
    endif()
  endforeach()
endfunction()
