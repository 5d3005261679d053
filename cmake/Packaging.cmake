# `cmake --install` layout and the .deb (`cpack -G DEB` in the build directory). The package
# installs under /usr: the binary, the systemd units and sysusers entry, the example
# configuration and the operator docs. The configuration itself (/etc/ticketcache) is the
# operator's (docs/operations.md).
include(GNUInstallDirs)

install(TARGETS ticketcache RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES examples/ticketcache.toml examples/demo.toml
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES deploy/systemd/ticketcache.service deploy/systemd/ticketcache-run.service
              deploy/systemd/ticketcache-run.timer
        DESTINATION lib/systemd/system)
install(FILES deploy/systemd/ticketcache.sysusers DESTINATION lib/sysusers.d
        RENAME ticketcache.conf)
install(FILES README.md docs/operations.md docs/configuration.md docs/failure-model.md
              docs/stores.md docs/cron.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ticketcache)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "keeps every user's Bytemark ticket cache fresh")
set(CPACK_PACKAGE_CONTACT "ticketcache maintainers <dev@ticketcache.invalid>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Beyond the shared libraries: zone data for [schedule] timezone, CAs for https.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "tzdata, ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus-node-exporter")
find_program(TICKETCACHE_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(TICKETCACHE_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends computed from the binary's libraries
endif()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
