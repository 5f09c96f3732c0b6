# Third-party dependencies, all from Debian 12 packages (see packaging/setup-debian.sh).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(OpenEXR 3 CONFIG REQUIRED)
find_package(TIFF REQUIRED)
find_package(PNG REQUIRED)
find_package(JPEG REQUIRED)
find_package(ZLIB REQUIRED)
find_package(tl-expected CONFIG QUIET)
find_package(nlohmann_json 3 CONFIG REQUIRED)
# OpenColorIO 2.1 on Debian ships no CMake config.
pkg_check_modules(OCIO REQUIRED IMPORTED_TARGET OpenColorIO>=2.1)
pkg_check_modules(LCMS2 REQUIRED IMPORTED_TARGET lcms2)

if(NOT TARGET tl::expected)
    find_path(TL_EXPECTED_INCLUDE_DIR tl/expected.hpp REQUIRED)
    add_library(tl::expected INTERFACE IMPORTED)
    target_include_directories(tl::expected INTERFACE "${TL_EXPECTED_INCLUDE_DIR}")
endif()

# libtorch (Debian libtorch-dev, or a CUDA libtorch via CMAKE_PREFIX_PATH / Torch_DIR) for
# core/diffusion and the trainers (core/training, core/itm, core/expsel) only.
if(HDR_BUILD_DIFFUSION OR HDR_BUILD_TRAINING)
    find_package(Torch REQUIRED)
endif()

find_package(Qt6 REQUIRED COMPONENTS Core Concurrent Test)
if(HDR_BUILD_UI)
    find_package(Qt6 REQUIRED COMPONENTS Gui Widgets PrintSupport)
    # The viewer's GPU path (QOpenGLWidget; Debian libqt6opengl6-dev, libgl-dev).
    find_package(Qt6 REQUIRED COMPONENTS OpenGL OpenGLWidgets)
    # The training dashboard's plots (Debian libqcustomplot-dev); needs PrintSupport found first.
    find_package(QCustomPlotQt6 CONFIG REQUIRED)
endif()
