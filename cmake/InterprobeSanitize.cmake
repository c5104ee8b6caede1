# interprobe_sanitize(<target>...) — builds interprobe's own targets with the sanitizers named in
# INTERPROBE_SANITIZE (a -fsanitize= list: "address,undefined" or "thread"); empty = off.
#
# Only interprobe's own code is instrumented (probe core, runner, CLI, their unit tests; the
# scanner when it exists). libprobe.so is left out of the default build in a sanitizer tree: an
# instrumented probe would need the sanitizer runtime loaded first in every host, which
# uninstrumented programs do not do ("ASan runtime does not come first in initial library list"),
# so its core is tested under the sanitizers through the unit tests instead (docs/RELIABILITY.md).
set(INTERPROBE_SANITIZE "" CACHE STRING
  "Sanitizers for interprobe's own targets, as a -fsanitize= list (address,undefined or thread); empty for none.")

function(interprobe_sanitize)
  if(NOT INTERPROBE_SANITIZE)
    return()
  endif()
  foreach(target IN LISTS ARGN)
    if(NOT TARGET ${target})
      continue()  # e.g. the scanner, before it exists
    endif()
    target_compile_options(${target} PRIVATE -fsanitize=${INTERPROBE_SANITIZE}
      -fno-omit-frame-pointer -fno-sanitize-recover=all)
    get_target_property(type ${target} TYPE)
    if(NOT type STREQUAL "STATIC_LIBRARY")
      target_link_options(${target} PRIVATE -fsanitize=${INTERPROBE_SANITIZE})
    endif()
  endforeach()
  if(TARGET probe)
    set_target_properties(probe PROPERTIES EXCLUDE_FROM_ALL ON)
  endif()
endfunction()
