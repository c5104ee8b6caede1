# same_document.cmake — cmake -DGENERATED=<file> -DCOMMITTED=<file> -P same_document.cmake: fails,
# with `diff -u` of the two, unless the documents are the same but for their "Toolchain:" line
# (the compiler versions of the machine that made them). The staleness check of docs/DRAWBACKS.md
# against the document `interprobe matrix --arch all --markdown` wrote (tests/CMakeLists.txt).
foreach(side GENERATED COMMITTED)
  if(NOT EXISTS "${${side}}")
    message(FATAL_ERROR "${side} document '${${side}}' does not exist")
  endif()
  file(READ "${${side}}" text)
  string(REGEX REPLACE "\nToolchain:[^\n]*\n" "\n" text_${side} "${text}")
endforeach()
if(NOT text_GENERATED STREQUAL text_COMMITTED)
  execute_process(COMMAND diff -u "${COMMITTED}" "${GENERATED}")
  message(FATAL_ERROR "${COMMITTED} is stale (the diff above; + is what the matrix observes "
    "now): run `build/bin/interprobe matrix --markdown docs/DRAWBACKS.md`")
endif()
message(STATUS "${COMMITTED}: up to date, every architecture compared")
