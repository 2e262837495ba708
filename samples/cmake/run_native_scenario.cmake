# Runs a sample scenario file on the native engine: a copy of SCENARIO naming NAME.so where it
# names NAME.wasm is written to OUT, then `PWPLAY test OUT --engine native --samples-dir SAMPLES`.
# The file's requests are inline, so the copy runs the same scenarios from another folder.
foreach(var PWPLAY SCENARIO OUT SAMPLES)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_native_scenario: -D${var}=... is required")
  endif()
endforeach()
file(READ "${SCENARIO}" text)
string(REPLACE ".wasm\"" ".so\"" text "${text}")
file(WRITE "${OUT}" "${text}")
execute_process(
  COMMAND "${PWPLAY}" test "${OUT}" --engine native --samples-dir "${SAMPLES}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pwplay test ${SCENARIO} on the native engine exited with ${rc}")
endif()
