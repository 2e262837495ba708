# cmake -DWORK=<dir> [-DGENERATOR=<name>] -P cmake/LayersSelftest.cmake
# Proves the link check of cmake/Layers.cmake can fail: configures cmake/layers_selftest with a
# link across each layer (configuration must fail, naming each), then without (it must pass).
if(NOT WORK)
  message(FATAL_ERROR "LayersSelftest: set WORK to a scratch directory")
endif()
set(fixture "${CMAKE_CURRENT_LIST_DIR}/layers_selftest")
set(generator_args "")
if(GENERATOR)
  set(generator_args -G "${GENERATOR}")
endif()
file(REMOVE_RECURSE "${WORK}")

execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${fixture}" -B "${WORK}/violating" ${generator_args} -DVIOLATE=ON
  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(result EQUAL 0)
  message(FATAL_ERROR "LayersSelftest: links across the layers configured without an error")
endif()
set(failures "")
foreach(expected
    "pwplay_abi (abi) links pwplay_runtime"
    "pwplay_engine_v8 (host/engines) links pwplay_host"
    "pwplay_host (host) links pwplay_debugger"
    "pwplay_debugger (debugger) links pwplay_gui_core"
    "pwplay_gui_core (app/gui/core) links PkgConfig::IMGUI")
  string(FIND "${out}${err}" "${expected}" at)
  if(at EQUAL -1)
    list(APPEND failures "${expected}")
  endif()
endforeach()
if(failures)
  list(JOIN failures "\n  " text)
  message(FATAL_ERROR "LayersSelftest: not reported:\n  ${text}\nOutput:\n${out}${err}")
endif()

execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${fixture}" -B "${WORK}/clean" ${generator_args} -DVIOLATE=OFF
  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "LayersSelftest: links that keep the layers failed the check:\n${out}${err}")
endif()
file(REMOVE_RECURSE "${WORK}")
message(STATUS "LayersSelftest: each broken link rule reported; clean links pass")
