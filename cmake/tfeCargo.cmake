# Builds libtfe.so with cargo and defines the imported target tfe::tfe for
# the build tree (usable after add_subdirectory too: every path here is
# relative to this project's own directories).
#
# The library is copied to <build>/lib/libtfe.so.X.Y.Z (copy_if_different,
# so an unchanged library relinks nothing) next to the SONAME links
# libtfe.so.X -> libtfe.so.X.Y.Z and libtfe.so -> libtfe.so.X, the layout
# that is installed.

find_program(TFE_CARGO cargo HINTS "$ENV{CARGO_HOME}/bin" "$ENV{HOME}/.cargo/bin" REQUIRED)

set(TFE_LIB_DIR "${CMAKE_CURRENT_BINARY_DIR}/lib")
set(TFE_LIB_REAL "libtfe.so.${PROJECT_VERSION}")
set(TFE_LIB_SONAME "libtfe.so.${PROJECT_VERSION_MAJOR}")
file(MAKE_DIRECTORY "${TFE_LIB_DIR}")
file(CREATE_LINK "${TFE_LIB_REAL}" "${TFE_LIB_DIR}/${TFE_LIB_SONAME}" SYMBOLIC)
file(CREATE_LINK "${TFE_LIB_SONAME}" "${TFE_LIB_DIR}/libtfe.so" SYMBOLIC)

# Cargo decides what is stale, so it runs on every build (a no-op when
# nothing changed).
add_custom_target(tfe_cargo ALL
  COMMAND "${CMAKE_COMMAND}" -E env "CARGO_TARGET_DIR=${TFE_CARGO_TARGET_DIR}"
          "${TFE_CARGO}" build --release --lib --manifest-path "${CMAKE_CURRENT_SOURCE_DIR}/Cargo.toml"
  COMMAND "${CMAKE_COMMAND}" -E copy_if_different "${TFE_CARGO_TARGET_DIR}/release/libtfe.so"
          "${TFE_LIB_DIR}/${TFE_LIB_REAL}"
  BYPRODUCTS "${TFE_LIB_DIR}/${TFE_LIB_REAL}"
  WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
  COMMENT "cargo build --release --lib (libtfe.so)"
  USES_TERMINAL
  VERBATIM)

add_library(tfe_shared SHARED IMPORTED GLOBAL)
set_target_properties(tfe_shared PROPERTIES
  IMPORTED_LOCATION "${TFE_LIB_DIR}/${TFE_LIB_REAL}"
  IMPORTED_SONAME "${TFE_LIB_SONAME}"
  INTERFACE_INCLUDE_DIRECTORIES "${CMAKE_CURRENT_SOURCE_DIR}/include;${CMAKE_CURRENT_SOURCE_DIR}/bindings/cpp/include")
# Whatever links tfe::tfe is built after cargo has run.
add_dependencies(tfe_shared tfe_cargo)
add_library(tfe::tfe ALIAS tfe_shared)
