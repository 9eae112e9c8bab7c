# Third-party dependencies. Debian 12 packages for everything but Arrow/Parquet and the
# librdkafka library: Arrow/Parquet come from a system install when there is one
# (find_package CONFIG, e.g. Apache's own packages or conda) and otherwise from the
# pinned pyarrow wheel in the project venv; librdkafka see below.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

set(ORBITLAKE_PYTHON "${CMAKE_SOURCE_DIR}/.venv/bin/python" CACHE FILEPATH
    "Python whose pyarrow (Arrow/Parquet C++) and confluent-kafka (librdkafka) are used when the system has none recent enough")
set(ORBITLAKE_RPATH "")

# ---- librdkafka
# The ingester needs librdkafka >= 2.3: older releases stop fetching for up to a second
# whenever the consumer's prefetch queue is full (fetch.queue.backoff.ms, new in 2.3,
# makes that pause short), which held ingestion to a third of the broker's rate with a
# small queue, or cost hundreds of MB with a large one (bench/RESULTS.md). A system
# librdkafka that recent is used as is. Debian 12 ships 2.0.2, so otherwise the library
# inside the pinned confluent-kafka wheel (Confluent's own build of librdkafka, with TLS,
# SASL, zstd, lz4) is linked, compiled against the system's rdkafka.h: librdkafka keeps
# its C ABI stable within soname 1, so code built against an older header runs against a
# newer library (only the older header's API is used here).
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
add_library(orbitlake_rdkafka INTERFACE)
if(RDKAFKA_VERSION VERSION_GREATER_EQUAL 2.3)
  message(STATUS "librdkafka ${RDKAFKA_VERSION} from the system")
  target_link_libraries(orbitlake_rdkafka INTERFACE PkgConfig::RDKAFKA)
else()
  if(NOT EXISTS "${ORBITLAKE_PYTHON}")
    message(FATAL_ERROR "librdkafka ${RDKAFKA_VERSION} is too old (orbitlake needs >= 2.3) and there is no "
                        "${ORBITLAKE_PYTHON} with the pinned confluent-kafka. Run scripts/setup.")
  endif()
  execute_process(
    COMMAND "${ORBITLAKE_PYTHON}" -c
      "import confluent_kafka as c, glob, os; d = os.path.dirname(os.path.dirname(c.__file__)); libs = sorted(glob.glob(os.path.join(d, 'confluent_kafka.libs', 'librdkafka*.so*'))); print(libs[0] if libs else ''); print(c.libversion()[0])"
    OUTPUT_VARIABLE _ck OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "${ORBITLAKE_PYTHON} cannot import confluent_kafka; run scripts/setup")
  endif()
  string(REPLACE "\n" ";" _ck "${_ck}")
  list(GET _ck 0 WHEEL_RDKAFKA_LIB)
  list(GET _ck 1 WHEEL_RDKAFKA_VERSION)
  if(NOT EXISTS "${WHEEL_RDKAFKA_LIB}" OR WHEEL_RDKAFKA_VERSION VERSION_LESS 2.3)
    message(FATAL_ERROR "the confluent-kafka wheel in ${ORBITLAKE_PYTHON} has no bundled librdkafka >= 2.3 "
                        "(found '${WHEEL_RDKAFKA_LIB}', version ${WHEEL_RDKAFKA_VERSION}); run scripts/setup")
  endif()
  message(STATUS "librdkafka ${WHEEL_RDKAFKA_VERSION} from the confluent-kafka wheel: ${WHEEL_RDKAFKA_LIB} "
                 "(header: system rdkafka.h ${RDKAFKA_VERSION})")
  add_library(wheel_rdkafka SHARED IMPORTED)
  set_target_properties(wheel_rdkafka PROPERTIES IMPORTED_LOCATION "${WHEEL_RDKAFKA_LIB}")
  target_include_directories(wheel_rdkafka SYSTEM INTERFACE ${RDKAFKA_INCLUDE_DIRS})
  target_link_libraries(orbitlake_rdkafka INTERFACE wheel_rdkafka)
  get_filename_component(_dir "${WHEEL_RDKAFKA_LIB}" DIRECTORY)
  list(APPEND ORBITLAKE_RPATH "${_dir}")
endif()
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(FlatBuffers CONFIG REQUIRED)
find_program(FLATC flatc REQUIRED)
find_package(Snappy CONFIG QUIET)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
# toml++ (Debian libtomlplusplus-dev, a shared library): pipeline files (src/pipeline) and the
# --config file (apps/orbitlake/config_file.cc).
find_package(tomlplusplus CONFIG REQUIRED)
# libcurl (Debian libcurl4-openssl-dev, >= 7.86 for CURLOPT_AWS_SIGV4 on every method) and
# OpenSSL's libcrypto (payload SHA-256): the S3 storage (src/storage/s3_storage.cc) only.
find_package(CURL 7.86 REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
if(ORBITLAKE_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()
if(ORBITLAKE_BUILD_BENCH)
  find_package(benchmark CONFIG QUIET)
endif()

# ---- Arrow / Parquet
find_package(Arrow CONFIG QUIET)
find_package(Parquet CONFIG QUIET)
if(Arrow_FOUND AND Parquet_FOUND)
  message(STATUS "Arrow ${Arrow_VERSION} from a system install")
  add_library(orbitlake_arrow INTERFACE)
  target_link_libraries(orbitlake_arrow INTERFACE Arrow::arrow_shared Parquet::parquet_shared)
else()
  if(NOT EXISTS "${ORBITLAKE_PYTHON}")
    message(FATAL_ERROR "Arrow C++ not found: no system install and no ${ORBITLAKE_PYTHON}. "
                        "Run scripts/setup (creates .venv with the pinned pyarrow).")
  endif()
  execute_process(
    COMMAND "${ORBITLAKE_PYTHON}" -c
      "import pyarrow as p; print(p.get_include()); print(p.get_library_dirs()[0]); print(p.__version__)"
    OUTPUT_VARIABLE _pa OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "${ORBITLAKE_PYTHON} cannot import pyarrow; run scripts/setup")
  endif()
  string(REPLACE "\n" ";" _pa "${_pa}")
  list(GET _pa 0 PYARROW_INCLUDE)
  list(GET _pa 1 PYARROW_LIBDIR)
  list(GET _pa 2 PYARROW_VERSION)
  string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" _ "${PYARROW_VERSION}")
  math(EXPR _so "${CMAKE_MATCH_1} * 100 + ${CMAKE_MATCH_2}")
  message(STATUS "Arrow ${PYARROW_VERSION} from pyarrow wheel: ${PYARROW_LIBDIR}")
  foreach(_lib arrow parquet)
    set(_path "${PYARROW_LIBDIR}/lib${_lib}.so.${_so}")
    if(NOT EXISTS "${_path}")
      message(FATAL_ERROR "missing ${_path}: pyarrow ${PYARROW_VERSION} does not ship lib${_lib}")
    endif()
    add_library(pyarrow_${_lib} SHARED IMPORTED)
    set_target_properties(pyarrow_${_lib} PROPERTIES IMPORTED_LOCATION "${_path}")
    target_include_directories(pyarrow_${_lib} SYSTEM INTERFACE "${PYARROW_INCLUDE}")
  endforeach()
  add_library(orbitlake_arrow INTERFACE)
  target_link_libraries(orbitlake_arrow INTERFACE pyarrow_arrow pyarrow_parquet)
  list(APPEND ORBITLAKE_RPATH "${PYARROW_LIBDIR}")
endif()

# The wheels' libraries are found at run time through the RPATH, not the environment.
if(ORBITLAKE_RPATH)
  set(CMAKE_BUILD_RPATH "${ORBITLAKE_RPATH}")
  set(CMAKE_INSTALL_RPATH "${ORBITLAKE_RPATH}")
endif()
