# Third-party dependencies. Debian 12 packages for everything but Arrow/Parquet, which
# come from a system install when there is one (find_package CONFIG, e.g. Apache's own
# packages or conda) and otherwise from the pinned pyarrow wheel in the project venv.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(FlatBuffers CONFIG REQUIRED)
find_program(FLATC flatc REQUIRED)
find_package(Snappy CONFIG QUIET)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
if(ORBITLAKE_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()
if(ORBITLAKE_BUILD_BENCH)
  find_package(benchmark CONFIG QUIET)
endif()

# ---- Arrow / Parquet
set(ORBITLAKE_PYTHON "${CMAKE_SOURCE_DIR}/.venv/bin/python" CACHE FILEPATH
    "Python whose pyarrow provides Arrow/Parquet C++ when no system install exists")
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
  # The wheel's libraries are found at run time through the RPATH, not the environment.
  set(CMAKE_BUILD_RPATH "${PYARROW_LIBDIR}")
  set(CMAKE_INSTALL_RPATH "${PYARROW_LIBDIR}")
endif()
