# install.cmake - what `cmake --install build [--prefix P]` and
# `cpack -G DEB` ship (included last by the root CMakeLists.txt):
#
#   bin/serbench, bin/serbench-micro
#   lib/libsbuf.so.<abi> (+ libsbuf.so), lib/libsbuf.a
#   include/sbuf/*.h          the public headers: a strategy needs strategy.h
#                             and plugin.h; nothing from impl/ itself
#   lib/pkgconfig/sbuf.pc     pkg-config --cflags --libs sbuf
#   lib/cmake/sbuf/           find_package(sbuf): sbuf::sbuf, sbuf::sbuf_static
#   share/man/man1/serbench.1, share/man/man5/serbench-scenario.5
#   share/serbench/scenarios/ the scenario files
#   share/serbench/examples/plugin/   a strategy built outside the tree
#
# Every path is relative to the prefix (the binaries' RUNPATH is
# $ORIGIN/../lib, sbuf.pc's prefix is found from its own place), so the
# prefix may be chosen at install time.
include(CMakePackageConfigHelpers)

install(TARGETS serbench serbench-micro RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS sbuf sbuf_static EXPORT sbufTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
file(GLOB sbuf_public_headers ${PROJECT_SOURCE_DIR}/impl/include/sbuf/*.h)
install(FILES ${sbuf_public_headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sbuf)

set(sbuf_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/sbuf)
install(EXPORT sbufTargets NAMESPACE sbuf:: DESTINATION ${sbuf_cmake_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sbufConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/sbufConfig.cmake INSTALL_DESTINATION ${sbuf_cmake_dir})
# 0.x: a new minor version may change the API (the ABI is SBUF_ABI_VERSION).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/sbufConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/sbufConfig.cmake
              ${PROJECT_BINARY_DIR}/cmake/sbufConfigVersion.cmake
        DESTINATION ${sbuf_cmake_dir})

# sbuf.pc finds its prefix from where it lies (pkg-config's ${pcfiledir}).
set(pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH SBUF_PC_TO_PREFIX /${pc_dir} /)
string(REGEX REPLACE "/$" "" SBUF_PC_TO_PREFIX "${SBUF_PC_TO_PREFIX}")
set(SBUF_PC_DL "")
if(CMAKE_DL_LIBS)
  set(SBUF_PC_DL -l${CMAKE_DL_LIBS})
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/sbuf.pc.in ${PROJECT_BINARY_DIR}/cmake/sbuf.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cmake/sbuf.pc DESTINATION ${pc_dir})

install(FILES ${PROJECT_BINARY_DIR}/man/serbench.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_BINARY_DIR}/man/serbench-scenario.5
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/serbench/scenarios)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/plugin/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/serbench/examples/plugin
        PATTERN build EXCLUDE)

# cpack -G DEB: one package with all of the above.  Depends comes from
# dpkg-shlibdeps (dpkg-dev) over the binaries and libsbuf.so; what serbench
# runs but does not link (socat, the allocators it preloads) is recommended,
# and what building a plugin takes is suggested.
set(CPACK_PACKAGE_NAME serbench)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "serbench")
set(CPACK_PACKAGE_CONTACT "serbench maintainers <serbench@invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "benchmark and stress harness for serial-port buffer strategies, and libsbuf")
set(CPACK_PACKAGE_DESCRIPTION
    "serbench runs ring buffers, pools and zero-copy views behind one interface (libsbuf)\n\
through an in-process path, socat virtual serial ports and a real board, from\n\
scenario files, with CSV results.  Strategies outside its tree are shared objects\n\
built against libsbuf.so (sbuf/plugin.h), checked with `serbench check` and run\n\
beside the built-in ones.")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR}/lib)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
    "socat, libjemalloc2, libmimalloc2.0, libgoogle-perftools4, pkg-config")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "cmake, gcc | c-compiler, libjack-jackd2-dev")
include(CPack)
