# Installs the AssemblyScript toolchain from samples/as/package-lock.json when it is
# missing or older than the lockfile, then touches STAMP.
# Usage: cmake -DNPM=<npm> -DAS_DIR=<samples/as> -DSTAMP=<file> -P npm_ci.cmake
set(asc "${AS_DIR}/node_modules/.bin/asc")
set(installed_lock "${AS_DIR}/node_modules/.package-lock.json")
if(NOT EXISTS "${asc}" OR NOT EXISTS "${installed_lock}"
   OR "${AS_DIR}/package-lock.json" IS_NEWER_THAN "${installed_lock}")
  message(STATUS "samples: npm ci in ${AS_DIR}")
  execute_process(
    COMMAND "${NPM}" ci --no-audit --no-fund --loglevel=error
    WORKING_DIRECTORY "${AS_DIR}"
    RESULT_VARIABLE npm_result)
  if(NOT npm_result EQUAL 0)
    message(FATAL_ERROR "samples: npm ci failed (${npm_result}); run `bash scripts/deps`")
  endif()
endif()
file(TOUCH "${STAMP}")
