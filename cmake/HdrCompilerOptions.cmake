# Warning flags for our own targets only (third-party headers are SYSTEM includes).
add_library(hdr_warnings INTERFACE)
target_compile_options(hdr_warnings INTERFACE
    -Wall -Wextra -Wpedantic $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local> -Wnon-virtual-dtor -Wcast-align
    -Wno-missing-field-initializers)
# GCC 12 at -O3 reports impossible overlaps inside libstdc++'s std::string concatenation
# (GCC bug 105329); the diagnostic is noise in release builds with -Werror.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(hdr_warnings INTERFACE -Wno-restrict -Wno-stringop-overflow -Wno-stringop-overread)
endif()
if(HDR_WARNINGS_AS_ERRORS)
    target_compile_options(hdr_warnings INTERFACE -Werror)
endif()

# Our code assumes an x86-64 baseline; vectorisation comes from -O2/-O3 auto-vectorisation
# with explicit restrict-friendly loops, not from machine-specific flags, so binaries run anywhere.

# hdr_add_library(NAME SOURCES ... [DEPS ...] [PRIVATE_DEPS ...])
# One small library per core module, one module per folder. DEPS are what its public headers
# need (propagated), PRIVATE_DEPS what only its sources need. libtorch is always a PRIVATE
# dependency: a module whose headers use it names `torch` itself, so torch never reaches ui/ or
# app/ through a facade (docs/architecture.md).
# Shared libraries (HDR_SHARED_LIBS, the default): the programs then load libtorch only with the
# engine plugins that need it (app/plugins), so `hdrstudio-cli info` and the GUI window start
# without it; static builds put everything into each program.
option(HDR_SHARED_LIBS "Build the core and UI modules as shared libraries (lazy libtorch)" ON)
if(HDR_SHARED_LIBS)
    set(HDR_LIBRARY_TYPE SHARED)
else()
    set(HDR_LIBRARY_TYPE STATIC)
endif()
# Installed private libraries and plugins: <prefix>/lib/hdrstudio, found through the RPATH.
set(HDR_PRIVATE_LIBDIR lib/hdrstudio)
set(CMAKE_INSTALL_RPATH "$ORIGIN/../${HDR_PRIVATE_LIBDIR};$ORIGIN")

# What every library of ours shares. No <target>_EXPORTS definition (default visibility, nothing
# to export by hand): the compile commands stay those of a static build, so ccache hits and the
# shared torch precompiled header fits every torch module.
function(hdr_library_defaults name)
    set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON DEFINE_SYMBOL "")
endfunction()

function(hdr_add_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
    add_library(${name} ${HDR_LIBRARY_TYPE} ${ARG_SOURCES})
    hdr_library_defaults(${name})
    if(HDR_SHARED_LIBS)
        install(TARGETS ${name} LIBRARY DESTINATION ${HDR_PRIVATE_LIBDIR} NAMELINK_SKIP)
    endif()
    file(RELATIVE_PATH module "${PROJECT_SOURCE_DIR}/core" "${CMAKE_CURRENT_SOURCE_DIR}")
    hdr_export_headers(${name} "${module}")
    target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE hdr_warnings ${ARG_PRIVATE_DEPS})
    set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# hdr_export_headers(TARGET PREFIX)
# A target exports exactly one include root: a folder in the build tree holding one link,
# PREFIX -> the target's source folder. So "image/Image.h" resolves only in targets that link
# hdr_image (directly or through a public dependency): an include of a module the target does not
# depend on fails to compile, and layering is enforced by the build, not by review.
function(hdr_export_headers target prefix)
    set(root "${PROJECT_BINARY_DIR}/include/${target}")
    get_filename_component(parent "${root}/${prefix}" DIRECTORY)
    file(MAKE_DIRECTORY "${parent}")
    file(CREATE_LINK "${CMAKE_CURRENT_SOURCE_DIR}" "${root}/${prefix}" SYMBOLIC)
    target_include_directories(${target} PUBLIC "${root}")
endfunction()

# hdr_use_torch(TARGET [PCH_FROM OWNER]): the target's sources use libtorch. Links torch PRIVATE and
# gives the target a precompiled header of the parts we use (ATen + torch::nn): each translation
# unit that includes libtorch costs ~20 s otherwise. Building that header costs as much again, so
# targets compiled with the same flags reuse one (PCH_FROM): the core modules hdr_diffusion's, the
# Qt tests hdr_test_torch_pch's. GCC falls back to the plain headers if a reused one does not fit.
# GCC 12 at -O3 also reports impossible -Warray-bounds in libstdc++ string/pair code inlined
# into these large translation units (same family as GCC bug 105329).
function(hdr_use_torch target)
    cmake_parse_arguments(ARG "" "PCH_FROM" "" ${ARGN})
    target_link_libraries(${target} PRIVATE torch)
    if(ARG_PCH_FROM)
        target_precompile_headers(${target} REUSE_FROM ${ARG_PCH_FROM})
    else()
        target_precompile_headers(${target} PRIVATE "${PROJECT_SOURCE_DIR}/core/diffusion/TorchPch.h")
    endif()
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        target_compile_options(${target} PRIVATE -Wno-array-bounds -fpch-preprocess)
    endif()
endfunction()
