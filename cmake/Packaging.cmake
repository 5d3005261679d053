# `cmake --install` layout and the .deb (`cpack -G DEB` in the build directory). The package
# installs under /usr: the binary, the systemd units and sysusers entry, the example
# configuration and the operator docs, with Debian's copyright and changelog; and the example
# configuration once more as the conffile /etc/ticketcache/ticketcache.toml (dpkg keeps the
# operator's edits on upgrade; the password files beside it are the operator's,
# docs/operations.md). prerm/postrm stop, disable and, on purge, delete what the package made.
include(GNUInstallDirs)

install(TARGETS ticketcache RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES examples/ticketcache.toml examples/demo.toml
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES deploy/systemd/ticketcache.service deploy/systemd/ticketcache-run.service
              deploy/systemd/ticketcache-run.timer
        DESTINATION lib/systemd/system)
install(FILES deploy/systemd/ticketcache.sysusers DESTINATION lib/sysusers.d
        RENAME ticketcache.conf)
install(FILES examples/ticketcache.toml DESTINATION /etc/ticketcache)
# Debian wants the changelog compressed with gzip -9n (no name or time stamp: reproducible).
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz
                   COMMAND gzip -9nc ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian/changelog >
                           ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz
                   DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian/changelog VERBATIM)
add_custom_target(debian_changelog ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz)
install(FILES deploy/debian/copyright ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Lintian tags that stay, each with its reason.
install(FILES deploy/debian/lintian-overrides DESTINATION share/lintian/overrides RENAME ticketcache)
install(FILES README.md docs/operations.md docs/configuration.md docs/failure-model.md
              docs/stores.md docs/cron.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ticketcache)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "keeps every user's Bytemark ticket cache fresh")
# The extended description (CPack puts the summary above it as the synopsis).
set(CPACK_PACKAGE_DESCRIPTION
    "ticketcache refreshes the Bytemark ticket cache documents of every user
with a token (MariaDB/MySQL or SQLite token table; MongoDB, MySQL or SQLite
cache store), hourly from a systemd timer or as a daemon with Prometheus
metrics and a status page. Nothing is enabled on install: see
/usr/share/doc/ticketcache/operations.md.")
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
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian/postinst ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian/prerm
    ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian/postrm ${CMAKE_CURRENT_SOURCE_DIR}/deploy/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
