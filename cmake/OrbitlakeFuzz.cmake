# libFuzzer targets. Each target is one source, `<name>.cc` beside the code it tests,
# defining LLVMFuzzerTestOneInput; its seed corpus is fuzz/corpus/<name>/ and its
# dictionary, when it has one, fuzz/<name>.dict.
#
# -DORBITLAKE_FUZZ=ON (clang only; scripts/fuzz uses it in build-fuzz/): every library is
# compiled with ASan+UBSan and -fsanitize=fuzzer-no-link (coverage for the fuzzer), and
# each target links libFuzzer's main. Build them with `--target orbitlake_fuzzers`.
# Otherwise (any compiler, the normal build) the same source is linked with
# fuzz/replay_main.cc into `<name>_replay`, a CTest test that runs every corpus file
# once, so the corpus, crash regressions included, stays green without clang.
option(ORBITLAKE_FUZZ "Build the libFuzzer targets with ASan+UBSan (clang only)" OFF)

if(ORBITLAKE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ORBITLAKE_FUZZ needs clang (libFuzzer): configure with CXX=clang++ (scripts/fuzz does)")
  endif()
  if(ORBITLAKE_SANITIZE)
    message(FATAL_ERROR "ORBITLAKE_FUZZ brings its own sanitizers (address,undefined); leave ORBITLAKE_SANITIZE empty")
  endif()
  # UBSan findings must stop the run (a crash the fuzzer records), not just print.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  add_custom_target(orbitlake_fuzzers)
endif()

function(orbitlake_fuzz name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  set(_corpus ${CMAKE_SOURCE_DIR}/fuzz/corpus/${name})
  if(NOT IS_DIRECTORY ${_corpus})
    message(FATAL_ERROR "fuzz target ${name} has no seed corpus ${_corpus}")
  endif()
  if(ORBITLAKE_FUZZ)
    add_executable(${name} ${A_SOURCES})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    set(_target ${name})
    add_dependencies(orbitlake_fuzzers ${name})
  elseif(ORBITLAKE_BUILD_TESTS)
    set(_target ${name}_replay)
    add_executable(${_target} ${A_SOURCES} ${CMAKE_SOURCE_DIR}/fuzz/replay_main.cc)
    add_test(NAME ${_target} COMMAND ${_target} ${_corpus})
    set_tests_properties(${_target} PROPERTIES LABELS fuzz TIMEOUT 300)
  else()
    return()
  endif()
  target_include_directories(${_target} PRIVATE ${CMAKE_SOURCE_DIR})
  target_compile_options(${_target} PRIVATE ${ORBITLAKE_WARNINGS})
  target_link_libraries(${_target} PRIVATE ${A_DEPS})
endfunction()
