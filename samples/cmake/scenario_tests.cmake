# One ctest per sample scenario file (samples/scenarios/<name>.json), so a failure names the
# sample: `sample_scenario.<name>` runs `pwplay test` on the wasm build, and
# `sample_scenario_native.<name>` runs the same file on the native engine with the C++ samples'
# shared objects (build/samples/native/<name>.so). Included from tests/CMakeLists.txt.

# Scenario files the native engine does not run: their samples fail on purpose, and a trap or an
# unbounded allocation in native code takes pwplay itself down (docs/engines.md).
set(PWPLAY_NATIVE_SCENARIO_SKIP trap_on_header memory_hog)

file(GLOB sample_scenarios CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/samples/scenarios/*.json")
foreach(scenario IN LISTS sample_scenarios)
  get_filename_component(name "${scenario}" NAME_WE)
  if(PWPLAY_ENGINE_V8)
    add_test(NAME sample_scenario.${name}
      COMMAND $<TARGET_FILE:pwplay> test "${scenario}" --engine v8
              --samples-dir "${CMAKE_BINARY_DIR}/samples")
    set_tests_properties(sample_scenario.${name} PROPERTIES TIMEOUT 300 LABELS samples)
  endif()
  if(NOT PWPLAY_ENGINE_NATIVE OR name IN_LIST PWPLAY_NATIVE_SCENARIO_SKIP)
    continue()
  endif()
  # Only files whose every filter is a C++ sample have a native build.
  file(READ "${scenario}" text)
  string(REGEX MATCHALL "\\$\\{PWPLAY_SAMPLES\\}/[A-Za-z0-9_]+\\.wasm" filters "${text}")
  set(all_cpp TRUE)
  foreach(filter IN LISTS filters)
    string(REGEX REPLACE ".*/([A-Za-z0-9_]+)\\.wasm" "\\1" sample "${filter}")
    if(NOT EXISTS "${CMAKE_SOURCE_DIR}/samples/cpp/${sample}.cc")
      set(all_cpp FALSE)
    endif()
  endforeach()
  if(all_cpp AND filters)
    add_test(NAME sample_scenario_native.${name}
      COMMAND ${CMAKE_COMMAND} -DPWPLAY=$<TARGET_FILE:pwplay> -DSCENARIO=${scenario}
              -DOUT=${CMAKE_CURRENT_BINARY_DIR}/native_scenarios/${name}.json
              -DSAMPLES=${CMAKE_BINARY_DIR}/samples/native
              -P "${CMAKE_SOURCE_DIR}/samples/cmake/run_native_scenario.cmake")
    set_tests_properties(sample_scenario_native.${name} PROPERTIES TIMEOUT 300 LABELS samples)
  endif()
endforeach()
