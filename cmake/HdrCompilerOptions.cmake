# Warning flags for our own targets only (third-party headers are SYSTEM includes).
add_library(hdr_warnings INTERFACE)
target_compile_options(hdr_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor -Wcast-align
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

# hdr_add_library(NAME [QT] SOURCES ... DEPS ...)
# One small static library per core module; public headers live beside the sources and are
# included rooted at core/ ("image/Image.h").
function(hdr_add_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
    add_library(${name} STATIC ${ARG_SOURCES})
    target_include_directories(${name} PUBLIC "${PROJECT_SOURCE_DIR}/core")
    target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE hdr_warnings ${ARG_PRIVATE_DEPS})
    set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# Each translation unit that includes libtorch costs ~20 s; targets that use it share one
# precompiled header of the parts we use (ATen + torch::nn), built once per target.
# GCC 12 at -O3 also reports impossible -Warray-bounds in libstdc++ string/pair code inlined
# into these large translation units (same family as GCC bug 105329).
function(hdr_use_torch_pch target)
    target_precompile_headers(${target} PRIVATE "${PROJECT_SOURCE_DIR}/core/diffusion/TorchPch.h")
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        target_compile_options(${target} PRIVATE -Wno-array-bounds)
    endif()
endfunction()
