# interprobe_target_warnings(<target>) — the warning flags for interprobe's own C++ code.
function(interprobe_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow=local)
  if(INTERPROBE_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
