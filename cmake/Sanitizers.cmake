# Sanitizer and fuzzing builds (docs/reliability.md, DEVELOPMENT.md), set for every target
# before any is defined:
#   -DPWPLAY_SANITIZE=address  ASan + UBSan (build-asan/, preset "asan"); UBSan findings abort
#   -DPWPLAY_SANITIZE=thread   TSan (build-tsan/, preset "tsan")
#   -DPWPLAY_FUZZ=ON           libFuzzer targets (tests/fuzz/) with ASan + UBSan; clang only. The
#                              "asan" preset sets it too, so one tree builds both the sanitized
#                              suite and the fuzz targets (one build in CI instead of two).
# A normal build sets none of them and gets no extra flags. Sanitized code is compiled at -O1 with
# line tables only: half the compile time of -O2 -g, and stack traces still name file and line.
set(PWPLAY_SANITIZE "" CACHE STRING "Sanitizers to build with: empty, address (ASan+UBSan) or thread")
set_property(CACHE PWPLAY_SANITIZE PROPERTY STRINGS "" address thread)
option(PWPLAY_FUZZ "Build the libFuzzer targets of tests/fuzz (clang, ASan + UBSan)" OFF)

# UBSan stops at the first finding, so a finding fails the test that met it. Its vptr check needs
# the type info of every polymorphic class it meets, and V8 (libnode) is built without RTTI: the
# check is left out, the rest of UBSan stays.
set(PWPLAY_ASAN_FLAGS -fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)

if(PWPLAY_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "PWPLAY_FUZZ needs clang (CC=clang-14 CXX=clang++-14); got ${CMAKE_CXX_COMPILER_ID}")
  endif()
  if(PWPLAY_SANITIZE STREQUAL "thread")
    message(FATAL_ERROR "PWPLAY_FUZZ builds with ASan + UBSan; it cannot be combined with TSan")
  endif()
  # Coverage instrumentation everywhere; only the fuzz executables link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link ${PWPLAY_ASAN_FLAGS})
  add_link_options(-fsanitize=address,undefined)
elseif(PWPLAY_SANITIZE STREQUAL "address")
  add_compile_options(${PWPLAY_ASAN_FLAGS})
  add_link_options(-fsanitize=address,undefined)
elseif(PWPLAY_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(PWPLAY_SANITIZE)
  message(FATAL_ERROR "PWPLAY_SANITIZE must be empty, address or thread; got '${PWPLAY_SANITIZE}'")
endif()

if(PWPLAY_FUZZ OR PWPLAY_SANITIZE)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    add_compile_options(-O1 -gline-tables-only)
  else()
    add_compile_options(-O1 -g1)
  endif()
endif()
