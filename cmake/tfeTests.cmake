# The C and C++ tests and examples, registered with CTest: C programs with
# -std=c11 -Wall -Wextra -Wpedantic -Werror, C++ with -std=c++17 and the same
# warnings, GoogleTest (the system package) for the C++ binding, and the ABI
# check. TFE_SANITIZE builds them all with ASan + UBSan (leaks reported);
# TFE_TEST_LAUNCHER runs each test under a command such as valgrind.

find_package(GTest)
if(NOT GTest_FOUND)
  message(FATAL_ERROR "tfe: the C++ tests need GoogleTest (Debian/Ubuntu: apt-get install libgtest-dev); "
                      "configure with -DTFE_BUILD_TESTS=OFF to build and install the library without tests")
endif()
find_program(TFE_NM nm REQUIRED)
find_program(TFE_OBJDUMP objdump REQUIRED)

set(_tfe_warnings -Wall -Wextra -Wpedantic -Werror)
set(_tfe_sanitize -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

# A test program linking tfe::tfe, with the warnings and the sanitizers.
function(tfe_program name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE tfe::tfe)
  target_compile_options(${name} PRIVATE ${_tfe_warnings} -g)
  # NO_SYSTEM_FROM_IMPORTED: the headers get the warnings too (-I, not -isystem).
  set_target_properties(${name} PROPERTIES NO_SYSTEM_FROM_IMPORTED ON
                        C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF
                        CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
  if(TFE_SANITIZE)
    target_compile_options(${name} PRIVATE ${_tfe_sanitize})
    target_link_options(${name} PRIVATE ${_tfe_sanitize})
  endif()
endfunction()

# Registers a test running `target` (with args) under the launcher.
function(tfe_add_test name target)
  add_test(NAME ${name} COMMAND ${TFE_TEST_LAUNCHER} $<TARGET_FILE:${target}> ${ARGN})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
    TIMEOUT 300)
endfunction()

set(_src "${CMAKE_CURRENT_SOURCE_DIR}")

# The seed result, five rows of ten 10.0 (CMake regexes have no {n}).
string(REPEAT " 10\\.0" 9 _tfe_row)
string(REPEAT "10\\.0${_tfe_row}\n" 5 _tfe_seed_output)

# --- C ----------------------------------------------------------------------
tfe_program(seed_matmul_c "${_src}/examples/c/seed_matmul.c")
tfe_add_test(c_seed_matmul seed_matmul_c)
set_tests_properties(c_seed_matmul PROPERTIES PASS_REGULAR_EXPRESSION "${_tfe_seed_output}")

# Private prediction of a handwritten 8 by a model owner, a client and three servers.
tfe_program(private_prediction_c "${_src}/examples/c/private_prediction.c")
tfe_add_test(c_private_prediction private_prediction_c "${_src}/examples/c/data/digits-mlp")
set_tests_properties(c_private_prediction PROPERTIES
  PASS_REGULAR_EXPRESSION "predicted class 8\nplaintext inference agrees: yes\n")

file(GLOB _tfe_c_tests CONFIGURE_DEPENDS "${_src}/tests/c/test_*.c")
foreach(_test IN LISTS _tfe_c_tests)
  get_filename_component(_name "${_test}" NAME_WE)
  tfe_program(c_${_name} "${_test}")
  target_link_libraries(c_${_name} PRIVATE m) # exp() and friends of <math.h>
  tfe_add_test(c_${_name} c_${_name})
endforeach()
# These C tests write hostmaps of ports found free a moment before (see the
# lock of the C++ tests below).
set_tests_properties(c_test_handles c_test_statuses PROPERTIES RESOURCE_LOCK tfe_loopback_ports)
# The ONNX test reads the committed models of tests/onnx/models.
target_compile_definitions(c_test_onnx PRIVATE TFE_SOURCE_DIR="${_src}")

# The header compiled as C++ (and included twice there and in C).
tfe_program(c_header_cpp "${_src}/tests/c/header_cpp.cpp")
tfe_add_test(c_header_cpp c_header_cpp)

# --- C++ --------------------------------------------------------------------
tfe_program(seed_matmul_cpp "${_src}/examples/cpp/seed_matmul.cpp")
tfe_add_test(cpp_seed_matmul seed_matmul_cpp)
set_tests_properties(cpp_seed_matmul PROPERTIES PASS_REGULAR_EXPRESSION "${_tfe_seed_output}")

file(GLOB _tfe_cpp_tests CONFIGURE_DEPENDS "${_src}/tests/cpp/*.cpp")
tfe_program(cpp_tests ${_tfe_cpp_tests})
target_link_libraries(cpp_tests PRIVATE GTest::gtest_main)
target_compile_definitions(cpp_tests PRIVATE TFE_SOURCE_DIR="${_src}")
if(TFE_TEST_LAUNCHER)
  # One test for the whole binary: one launcher start instead of one per case.
  tfe_add_test(cpp_tests cpp_tests)
else()
  include(GoogleTest)
  # The deployment tests (Party, the deployed Trainer) bind ports they found
  # free a moment before: the lock keeps two such processes from racing for
  # one (the other cases are quick enough to share it).
  gtest_discover_tests(cpp_tests TEST_PREFIX "cpp." DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
               TIMEOUT 300 RESOURCE_LOCK tfe_loopback_ports)
endif()

# --- ABI --------------------------------------------------------------------
add_test(NAME abi_symbols COMMAND "${CMAKE_COMMAND}"
  "-DLIBRARY=$<TARGET_FILE:tfe_shared>" "-DSYMBOLS=${_src}/tests/abi/symbols.txt"
  "-DHEADER=${_src}/include/tfe.h" "-DVERSION=${PROJECT_VERSION}"
  "-DNM=${TFE_NM}" "-DOBJDUMP=${TFE_OBJDUMP}" -P "${_src}/cmake/tfeCheckAbi.cmake")
