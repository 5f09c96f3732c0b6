# Installation layout for Linux desktops and the Debian package (CPack DEB).
#   cmake --build build/ci --target package     -> build/ci/hdrstudio_<version>_<arch>.deb
# Dependencies come from dpkg-shlibdeps (CPACK_DEBIAN_PACKAGE_SHLIBDEPS), so the package asks for
# exactly the shared libraries the binaries link (Qt 6, libtorch, OpenEXR, OCIO, ...).
# packaging/test-deb.sh builds it, runs lintian and starts both programs from an unpacked root.
include(GNUInstallDirs)

set(HDR_LINUX_DIR "${PROJECT_SOURCE_DIR}/packaging/linux")
install(FILES "${HDR_LINUX_DIR}/hdrstudio.desktop" DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES "${HDR_LINUX_DIR}/io.github.hdrstudio.HdrStudio.metainfo.xml"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
install(FILES "${HDR_LINUX_DIR}/hdrstudio.svg" DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
foreach(size 16 24 32 48 64 128 256 512)
    install(FILES "${PROJECT_SOURCE_DIR}/resources/icons/hdrstudio-${size}.png"
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps
            RENAME hdrstudio.png)
endforeach()

# Debian policy files: copyright and a compressed changelog in /usr/share/doc/<package>.
set(HDR_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/hdrstudio)
install(FILES "${HDR_LINUX_DIR}/copyright" DESTINATION ${HDR_DOC_DIR})
set(HDR_CHANGELOG_GZ "${PROJECT_BINARY_DIR}/changelog.gz")
add_custom_command(OUTPUT "${HDR_CHANGELOG_GZ}"
    COMMAND gzip -9 -n -c "${HDR_LINUX_DIR}/changelog" > "${HDR_CHANGELOG_GZ}"
    DEPENDS "${HDR_LINUX_DIR}/changelog" VERBATIM)
add_custom_target(hdr_changelog ALL DEPENDS "${HDR_CHANGELOG_GZ}")
install(FILES "${HDR_CHANGELOG_GZ}" DESTINATION ${HDR_DOC_DIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hdrstudio)
set(CPACK_PACKAGE_VENDOR "HDR Studio")
set(CPACK_PACKAGE_CONTACT "HDR Studio developers <hdrstudio@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "high-dynamic-range images with diffusion models")
set(CPACK_PACKAGE_DESCRIPTION "HDR Studio makes real high-dynamic-range images with Stable Diffusion
1.5 and SDXL checkpoints (exposure-bracketed and gain-map diffusion), merges, fuses and tone maps
exposure brackets, reads and writes OpenEXR, Radiance and Ultra HDR files, and shows training runs
in a dashboard. hdrstudio-cli runs every job from the command line.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# OMP_WAIT_POLICY and friends are runtime; the BLAS libtorch uses is chosen by the alternatives
# system, and the reference BLAS is ~15x slower (README set-up facts): recommend OpenBLAS.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libopenblas0-openmp")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/hdrstudio/hdrstudio")
include(CPack)
