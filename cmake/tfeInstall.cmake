# Installs the library with its SONAME links, the C and C++ headers, the
# CMake package (tfeConfig.cmake, tfeConfigVersion.cmake: the imported
# target tfe::tfe) and tfe.pc. Both package files find the prefix from
# their own location, so an installed tree can be moved.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(FILES "${TFE_LIB_DIR}/${TFE_LIB_REAL}" "${TFE_LIB_DIR}/${TFE_LIB_SONAME}" "${TFE_LIB_DIR}/libtfe.so"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
install(FILES "${CMAKE_CURRENT_SOURCE_DIR}/include/tfe.h" "${CMAKE_CURRENT_SOURCE_DIR}/bindings/cpp/include/tfe.hpp"
              "${CMAKE_CURRENT_SOURCE_DIR}/bindings/cpp/include/tfe_session.hpp"
              "${CMAKE_CURRENT_SOURCE_DIR}/bindings/cpp/include/tfe_ops.hpp"
              "${CMAKE_CURRENT_SOURCE_DIR}/bindings/cpp/include/tfe_nn.hpp"
              "${CMAKE_CURRENT_SOURCE_DIR}/bindings/cpp/include/tfe_serve.hpp"
              "${CMAKE_CURRENT_SOURCE_DIR}/bindings/cpp/include/tfe_log.hpp"
              "${CMAKE_CURRENT_SOURCE_DIR}/bindings/cpp/include/tfe_train.hpp"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

set(TFE_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/tfe")
configure_package_config_file("${CMAKE_CURRENT_SOURCE_DIR}/cmake/tfeConfig.cmake.in"
  "${CMAKE_CURRENT_BINARY_DIR}/tfeConfig.cmake"
  INSTALL_DESTINATION "${TFE_CMAKE_DIR}"
  PATH_VARS CMAKE_INSTALL_LIBDIR CMAKE_INSTALL_INCLUDEDIR)
# libtfe.so.<major> promises compatibility within a major version.
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/tfeConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMajorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/tfeConfig.cmake" "${CMAKE_CURRENT_BINARY_DIR}/tfeConfigVersion.cmake"
        DESTINATION "${TFE_CMAKE_DIR}")

# pkg-config: the prefix relative to the .pc file's own directory.
set(_tfe_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
file(RELATIVE_PATH _tfe_pc_to_prefix "/prefix/${_tfe_pc_dir}" "/prefix")
string(REGEX REPLACE "/$" "" _tfe_pc_to_prefix "${_tfe_pc_to_prefix}")
configure_file("${CMAKE_CURRENT_SOURCE_DIR}/cmake/tfe.pc.in" "${CMAKE_CURRENT_BINARY_DIR}/tfe.pc" @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/tfe.pc" DESTINATION "${_tfe_pc_dir}")
