# Every dependency comes from a Debian package (see scripts/deps); V8 comes from Debian's
# libnode108, unpacked into .deps/libnode because it cannot be installed next to Node.js 20.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(wabt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(yaml-cpp REQUIRED)
pkg_check_modules(LIBEVENT REQUIRED IMPORTED_TARGET libevent libevent_pthreads)

# Only the V8 engine needs it: -DPWPLAY_ENGINE_V8=OFF builds without libnode.
if(PWPLAY_ENGINE_V8)
  set(PWPLAY_LIBNODE_DIR "${CMAKE_CURRENT_SOURCE_DIR}/.deps/libnode" CACHE PATH "Unpacked libnode108 + libnode-dev")
  set(_libnode_lib "${PWPLAY_LIBNODE_DIR}/usr/lib/x86_64-linux-gnu/libnode.so.108")
  if(NOT EXISTS "${_libnode_lib}" OR NOT EXISTS "${PWPLAY_LIBNODE_DIR}/usr/include/node/v8.h")
    message(FATAL_ERROR "V8 (libnode108) not found in ${PWPLAY_LIBNODE_DIR}: run scripts/deps first")
  endif()
  add_library(pwplay::v8 SHARED IMPORTED GLOBAL)
  set_target_properties(pwplay::v8 PROPERTIES
    IMPORTED_LOCATION "${_libnode_lib}"
    IMPORTED_NO_SONAME OFF
    INTERFACE_INCLUDE_DIRECTORIES "${PWPLAY_LIBNODE_DIR}/usr/include/node"
    # Debian's libnode is built without pointer compression: never define V8_COMPRESS_POINTERS.
    INTERFACE_COMPILE_DEFINITIONS "V8_PROMISE_INTERNAL_FIELD_COUNT=1")
  # Executables find the unpacked libnode through their rpath.
  set(CMAKE_BUILD_RPATH "${PWPLAY_LIBNODE_DIR}/usr/lib/x86_64-linux-gnu")
  set(CMAKE_INSTALL_RPATH "${PWPLAY_LIBNODE_DIR}/usr/lib/x86_64-linux-gnu")
endif()

# nodejs http-parser 2.9 (libhttp-parser-dev): incremental HTTP/1.1 parsing for the proxy.
find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h REQUIRED)
find_library(HTTP_PARSER_LIBRARY http_parser REQUIRED)
add_library(pwplay::http_parser UNKNOWN IMPORTED GLOBAL)
set_target_properties(pwplay::http_parser PROPERTIES
  IMPORTED_LOCATION "${HTTP_PARSER_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${HTTP_PARSER_INCLUDE_DIR}")
