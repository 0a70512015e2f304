# The ABI check, run by CTest as `cmake -P`: an accidental change of the
# library's interface fails here.
#   - the dynamic symbols libtfe.so defines (nm -D --defined-only) are
#     exactly the checked-in list tests/abi/symbols.txt;
#   - every function the header declares is in that list, and vice versa;
#   - the SONAME is libtfe.so.<major> and the header's TFE_VERSION_* macros
#     are the project's version (which comes from Cargo.toml).
# After an intended change: TFE_BLESS=1 ctest --test-dir build -R abi
# rewrites the list; review and commit it.
#
# Inputs (-D): LIBRARY, SYMBOLS, HEADER, VERSION (X.Y.Z), NM, OBJDUMP.

cmake_minimum_required(VERSION 3.16)
set(_failures "")

# Fails the check when list `a` holds items that list `b` does not: the
# message is `problem` followed by those items.
function(tfe_expect_within a b problem)
  set(_outside ${${a}})
  if(_outside AND ${b})
    list(REMOVE_ITEM _outside ${${b}})
  endif()
  if(_outside)
    list(JOIN _outside ", " _items)
    set(_failures ${_failures} "${problem}: ${_items}" PARENT_SCOPE)
  endif()
endfunction()

# --- exported symbols -----------------------------------------------------
execute_process(COMMAND "${NM}" -D --defined-only "${LIBRARY}"
                OUTPUT_VARIABLE _nm RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "nm -D --defined-only ${LIBRARY} failed (${_rc})")
endif()
string(REPLACE "\n" ";" _nm_lines "${_nm}")
set(_exported "")
foreach(_line IN LISTS _nm_lines)
  # "<address> <type> <name>": keep the name.
  if(_line MATCHES "^[0-9a-fA-F]* *[A-Za-z] (.+)$")
    list(APPEND _exported "${CMAKE_MATCH_1}")
  endif()
endforeach()
list(SORT _exported)

if(DEFINED ENV{TFE_BLESS} AND "$ENV{TFE_BLESS}" STREQUAL "1")
  string(REPLACE ";" "\n" _text "${_exported}")
  file(WRITE "${SYMBOLS}" "${_text}\n")
  message(STATUS "rewrote ${SYMBOLS}")
endif()

file(STRINGS "${SYMBOLS}" _expected)
list(SORT _expected)
tfe_expect_within(_expected _exported
  "symbols in tests/abi/symbols.txt that libtfe.so no longer exports (removed or renamed)")
tfe_expect_within(_exported _expected
  "symbols libtfe.so exports that tests/abi/symbols.txt does not list (new or renamed)")

# --- header declarations --------------------------------------------------
# Declarations start in column 0 with a type; doc comments start with " *".
file(STRINGS "${HEADER}" _decl_lines REGEX "^[A-Za-z_].*[ *]tfe_[a-z0-9_]+\\(")
set(_declared "")
foreach(_line IN LISTS _decl_lines)
  if(_line MATCHES "[ *](tfe_[a-z0-9_]+)\\(")
    list(APPEND _declared "${CMAKE_MATCH_1}")
  endif()
endforeach()
tfe_expect_within(_expected _declared "listed symbols that include/tfe.h does not declare")
tfe_expect_within(_declared _exported "functions include/tfe.h declares that libtfe.so does not export")

# --- versions -------------------------------------------------------------
string(REPLACE "." ";" _parts "${VERSION}")
list(GET _parts 0 _major)
execute_process(COMMAND "${OBJDUMP}" -p "${LIBRARY}" OUTPUT_VARIABLE _dynamic RESULT_VARIABLE _rc)
if(NOT _dynamic MATCHES "SONAME +([^\n]+)")
  list(APPEND _failures "libtfe.so has no SONAME (expected libtfe.so.${_major})")
elseif(NOT CMAKE_MATCH_1 STREQUAL "libtfe.so.${_major}")
  list(APPEND _failures "SONAME is ${CMAKE_MATCH_1}, expected libtfe.so.${_major}")
endif()
set(_index 0)
foreach(_name MAJOR MINOR PATCH)
  list(GET _parts ${_index} _value)
  math(EXPR _index "${_index} + 1")
  file(STRINGS "${HEADER}" _define REGEX "^#define TFE_VERSION_${_name} ")
  if(NOT _define STREQUAL "#define TFE_VERSION_${_name} ${_value}")
    list(APPEND _failures "include/tfe.h has '${_define}', expected '#define TFE_VERSION_${_name} ${_value}' (Cargo.toml)")
  endif()
endforeach()

if(_failures)
  string(REPLACE ";" "\n  - " _text "${_failures}")
  message(FATAL_ERROR "ABI check failed:\n  - ${_text}\n"
          "An intended change: TFE_BLESS=1 ctest --test-dir <build> -R abi, then commit tests/abi/symbols.txt.")
endif()
list(LENGTH _exported _count)
message(STATUS "ABI check passed: ${_count} symbols, SONAME libtfe.so.${_major}, version ${VERSION}")
