# Helpers that give every project target the same flags.

set(ORBITLAKE_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)

# ORBITLAKE_SANITIZE (e.g. "address,undefined" or "thread"; scripts/sanitize sets it)
# instruments every target built here. Third-party libraries (librdkafka, Arrow from the
# pyarrow wheel, GoogleTest) stay uninstrumented: ASan/UBSan still see our side of every
# call, TSan needs the suppressions in tests/sanitizers/ for what happens inside them.
# ORBITLAKE_SANITIZER_ENV is the environment every CTest entry runs with (the runtime
# options are set here, next to the flags they belong to, so a build folder is
# self-describing: `ctest` in it behaves the same as scripts/sanitize).
set(ORBITLAKE_SANITIZER_ENV "")
if(ORBITLAKE_SANITIZE)
  if(ORBITLAKE_SANITIZE MATCHES "thread" AND ORBITLAKE_SANITIZE MATCHES "address|leak")
    message(FATAL_ERROR "ORBITLAKE_SANITIZE=${ORBITLAKE_SANITIZE}: thread cannot be combined with address/leak")
  endif()
  set(_san_flags -fsanitize=${ORBITLAKE_SANITIZE} -fno-omit-frame-pointer)
  if(ORBITLAKE_SANITIZE MATCHES "undefined")
    # UBSan only prints and carries on by default: make every finding fatal, so it fails
    # the test that triggered it instead of scrolling by in a passing test's output.
    list(APPEND _san_flags -fno-sanitize-recover=undefined)
  endif()
  if(ORBITLAKE_SANITIZE MATCHES "address")
    # Bounds-checked operator[] / front() / back() in libstdc++: catches out-of-range
    # indexing that stays inside an allocation (ASan cannot see it). ABI-compatible.
    list(APPEND _san_flags -D_GLIBCXX_ASSERTIONS)
  endif()
  add_compile_options(${_san_flags})
  add_link_options(-fsanitize=${ORBITLAKE_SANITIZE})
  if(ORBITLAKE_SANITIZE MATCHES "thread")
    # librdkafka's threads are C11 threads, invisible to GCC 12's TSan (it crashes on
    # their first malloc): route thrd_*/mtx_*/cnd_* through pthreads in every binary.
    add_library(orbitlake_tsan_c11_threads OBJECT ${CMAKE_SOURCE_DIR}/tests/sanitizers/tsan_c11_threads.cc)
    link_libraries(orbitlake_tsan_c11_threads)
  endif()

  set(_supp ${CMAKE_SOURCE_DIR}/tests/sanitizers)
  # halt_on_error: the first finding ends the process; exitcode=86 (ASan, LSan, UBSan)
  #   so that it cannot pass for one of ours (0, 1 bad input, 2, 130): tests that expect
  #   exit code 1 still fail on a finding. TSan exits 66 by default, also none of ours.
  # detect_leaks: LeakSanitizer runs at exit (the default on x86_64 Linux; stated so
  #   nobody has to know that).
  # ARROW_DEFAULT_MEMORY_POOL=system: Arrow's jemalloc pool would hide Arrow buffers
  #   from ASan (and from the leak check); malloc-backed buffers are visible.
  list(APPEND ORBITLAKE_SANITIZER_ENV
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:exitcode=86:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:print_summary=1"
    "LSAN_OPTIONS=suppressions=${_supp}/lsan.supp:print_suppressions=0"
    "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=86:suppressions=${_supp}/ubsan.supp"
    "TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=${_supp}/tsan.supp:print_suppressions=0"
    "ARROW_DEFAULT_MEMORY_POOL=system")
endif()

# orbitlake_library(NAME SOURCES ... DEPS ...): a component library under src/.
# Includes are written from src/ ("common/status.h").
function(orbitlake_library name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${A_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR}/src ${CMAKE_BINARY_DIR}/src)
  target_compile_options(${name} PRIVATE ${ORBITLAKE_WARNINGS})
  target_link_libraries(${name} PUBLIC ${A_DEPS})
endfunction()

# orbitlake_test(NAME SOURCES ... DEPS ... [KAFKA] [MQTT] [S3]): a GoogleTest binary run by CTest.
# KAFKA: the test needs the real broker started by the kafka_broker CTest fixture; it
# finds it through ORBITLAKE_TEST_KAFKA_DIR (see tests/support/test_env.h).
# MQTT: likewise the Mosquitto broker of the mqtt_broker fixture (ORBITLAKE_TEST_MQTT_DIR).
# S3: likewise the SeaweedFS S3 server of the s3_server fixture (ORBITLAKE_TEST_S3_DIR).
function(orbitlake_test name)
  cmake_parse_arguments(A "KAFKA;MQTT;S3;REDIS" "" "SOURCES;DEPS" ${ARGN})
  if(NOT ORBITLAKE_BUILD_TESTS)
    return()
  endif()
  add_executable(${name} ${A_SOURCES})
  target_compile_options(${name} PRIVATE ${ORBITLAKE_WARNINGS})
  target_link_libraries(${name} PRIVATE ${A_DEPS} orbitlake_test_support GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set(_env ORBITLAKE_TEST_KAFKA_DIR=${CMAKE_BINARY_DIR}/test-kafka ORBITLAKE_TEST_MQTT_DIR=${CMAKE_BINARY_DIR}/test-mqtt
      ORBITLAKE_TEST_S3_DIR=${CMAKE_BINARY_DIR}/test-s3 ORBITLAKE_TEST_REDIS_DIR=${CMAKE_BINARY_DIR}/test-redis
      ORBITLAKE_SOURCE_DIR=${CMAKE_SOURCE_DIR}
      ARROW_DEFAULT_MEMORY_POOL=system ${ORBITLAKE_SANITIZER_ENV})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "${_env}" TIMEOUT 600)
  set(_fx "")
  set(_labels "")
  foreach(_kind KAFKA MQTT S3)
    if(A_${_kind})
      string(TOLOWER ${_kind} _l)
      list(APPEND _labels ${_l})
      if(_kind STREQUAL "S3")
        list(APPEND _fx s3_server)
      else()
        list(APPEND _fx ${_l}_broker)
      endif()
    endif()
  endforeach()
  if(_fx)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED "${_fx}" LABELS "${_labels}")
  endif()
  if(A_REDIS)  # the redis_server fixture (scripts/redis), next to any broker above
    get_test_property(${name} FIXTURES_REQUIRED _fx)
    get_test_property(${name} LABELS _labels)
    if(NOT _fx)
      set(_fx "")
      set(_labels "")
    endif()
    list(APPEND _fx redis_server)
    list(APPEND _labels redis)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED "${_fx}" LABELS "${_labels}")
  endif()
endfunction()

# orbitlake_flatbuffers(TARGET SCHEMA): generates <schema>_generated.h next to the
# schema's place in the build tree, at build time (never committed).
function(orbitlake_flatbuffers target schema)
  get_filename_component(_name ${schema} NAME_WE)
  get_filename_component(_abs ${schema} ABSOLUTE)
  file(RELATIVE_PATH _rel ${CMAKE_SOURCE_DIR}/src ${CMAKE_CURRENT_SOURCE_DIR})
  set(_out_dir ${CMAKE_BINARY_DIR}/src/${_rel})
  set(_out ${_out_dir}/${_name}_generated.h)
  add_custom_command(OUTPUT ${_out}
    COMMAND ${FLATC} --cpp --scoped-enums --gen-mutable -o ${_out_dir} ${_abs}
    DEPENDS ${_abs} COMMENT "flatc ${schema}" VERBATIM)
  target_sources(${target} PRIVATE ${_out})
endfunction()
