# What `cmake --install` puts where (GNUInstallDirs): the two programs, libquire shared
# and static, the public headers, quire.pc for pkg-config, the CMake package files for
# find_package(quire), and the man pages of man/.
include(CMakePackageConfigHelpers)

install(TARGETS quire-index quire-query RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS quire quire_static quire_headers EXPORT quireTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${QUIRE_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/quire)

# CMake: find_package(quire) gives quire::quire (shared) and quire::quire_static.
set(QUIRE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/quire)
install(EXPORT quireTargets NAMESPACE quire:: DESTINATION ${QUIRE_CMAKE_DIR})
configure_package_config_file(cmake/quireConfig.cmake.in
  ${CMAKE_BINARY_DIR}/quireConfig.cmake INSTALL_DESTINATION ${QUIRE_CMAKE_DIR})
# 0.x: a new minor version may break the API, so only the same minor version is compatible.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(QUIRE_COMPATIBILITY SameMinorVersion)
else()
  set(QUIRE_COMPATIBILITY SameMajorVersion)
endif()
write_basic_package_version_file(${CMAKE_BINARY_DIR}/quireConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY ${QUIRE_COMPATIBILITY})
install(FILES ${CMAKE_BINARY_DIR}/quireConfig.cmake ${CMAKE_BINARY_DIR}/quireConfigVersion.cmake
        DESTINATION ${QUIRE_CMAKE_DIR})

# pkg-config: relocatable (prefix found from the .pc file's own place), so that
# `cmake --install build --prefix DIR` works for any DIR without reconfiguring.
file(RELATIVE_PATH QUIRE_PC_UP /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
string(REGEX REPLACE "/$" "" QUIRE_PC_UP "${QUIRE_PC_UP}")
file(RELATIVE_PATH QUIRE_PC_LIBDIR /root /root/${CMAKE_INSTALL_LIBDIR})
file(RELATIVE_PATH QUIRE_PC_INCLUDEDIR /root /root/${CMAKE_INSTALL_INCLUDEDIR})
configure_file(cmake/quire.pc.in ${CMAKE_BINARY_DIR}/quire.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/quire.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(FILES ${CMAKE_BINARY_DIR}/man/quire-index.1 ${CMAKE_BINARY_DIR}/man/quire-query.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_BINARY_DIR}/man/quire-format.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
# quire-format(5) points here for the bytes; the README documents both programs.
install(FILES format/FORMAT.md README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
