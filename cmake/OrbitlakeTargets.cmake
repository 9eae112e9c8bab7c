# Helpers that give every project target the same flags.

set(ORBITLAKE_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)
if(ORBITLAKE_SANITIZE)
  add_compile_options(-fsanitize=${ORBITLAKE_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${ORBITLAKE_SANITIZE})
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

# orbitlake_test(NAME SOURCES ... DEPS ... [KAFKA]): a GoogleTest binary run by CTest.
# KAFKA: the test needs the real broker started by the kafka_broker CTest fixture; it
# finds it through ORBITLAKE_TEST_KAFKA_DIR (see tests/support/test_env.h).
function(orbitlake_test name)
  cmake_parse_arguments(A "KAFKA" "" "SOURCES;DEPS" ${ARGN})
  if(NOT ORBITLAKE_BUILD_TESTS)
    return()
  endif()
  add_executable(${name} ${A_SOURCES})
  target_compile_options(${name} PRIVATE ${ORBITLAKE_WARNINGS})
  target_link_libraries(${name} PRIVATE ${A_DEPS} orbitlake_test_support GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "ORBITLAKE_TEST_KAFKA_DIR=${CMAKE_BINARY_DIR}/test-kafka;ORBITLAKE_SOURCE_DIR=${CMAKE_SOURCE_DIR};ARROW_DEFAULT_MEMORY_POOL=system"
    TIMEOUT 600)
  if(A_KAFKA)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED kafka_broker LABELS kafka)
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
    COMMAND ${FLATC} --cpp --scoped-enums -o ${_out_dir} ${_abs}
    DEPENDS ${_abs} COMMENT "flatc ${schema}" VERBATIM)
  target_sources(${target} PRIVATE ${_out})
endfunction()
