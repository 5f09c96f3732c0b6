# hdr_add_test(NAME SOURCES ... [DEPS ...] [GUI] [SLOW] [TORCH] [CLI])
# One Qt Test executable per test file, registered with CTest. Labels: core | gui, and slow.
# Every test runs on the offscreen platform with the hermetic fixture of tests/support.
#   TORCH: the test's sources use libtorch (hdr_use_torch).
#   CLI:   the test runs hdrstudio-cli (built first; its path is HDR_CLI_PATH).
# OMP_WAIT_POLICY=PASSIVE: ctest runs tests in parallel, and two libtorch processes whose OpenMP
# threads spin-wait on 2 cores slowed each other ~20x (tst_generate + tst_oracle: 37 s vs 2 s).
# HDR_SKIPS_FAIL: CI sets it where ../shared (data, oracle) and the test peers are installed; a
# QSKIP there means a check silently did not run, so CTest fails the test on Qt Test's SKIP line.
option(HDR_SKIPS_FAIL "Fail tests that skip (CI, where every dependency is present)" OFF)

function(hdr_add_test name)
    cmake_parse_arguments(ARG "GUI;SLOW;TORCH;CLI" "" "SOURCES;DEPS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE hdr_test_support Qt6::Test ${ARG_DEPS} hdr_warnings)
    set_target_properties(${name} PROPERTIES AUTOMOC ON)
    if(ARG_TORCH)
        if(NOT TARGET hdr_test_torch_pch)
            # Owns the one torch precompiled header of the Qt tests. Qt Core gives it the tests'
            # -fPIC; not Qt Test, whose per-folder QT_TESTCASE_BUILDDIR/SOURCEDIR definitions
            # would make GCC refuse the header in every other folder.
            add_library(hdr_test_torch_pch OBJECT "${PROJECT_SOURCE_DIR}/tests/support/TorchPchAnchor.cpp")
            target_link_libraries(hdr_test_torch_pch PRIVATE Qt6::Core hdr_warnings)
            hdr_use_torch(hdr_test_torch_pch)
        endif()
        hdr_use_torch(${name} PCH_FROM hdr_test_torch_pch)
    endif()
    if(ARG_CLI)
        add_dependencies(${name} hdrstudio-cli)
        target_compile_definitions(${name} PRIVATE HDR_CLI_PATH="$<TARGET_FILE:hdrstudio-cli>")
    endif()
    add_test(NAME ${name} COMMAND ${name})
    set(labels core)
    if(ARG_GUI)
        set(labels gui)
    endif()
    if(ARG_SLOW)
        list(APPEND labels slow)
    endif()
    if(HDR_SKIPS_FAIL)
        set_tests_properties(${name} PROPERTIES FAIL_REGULAR_EXPRESSION "SKIP   : ")
    endif()
    set_tests_properties(${name} PROPERTIES
        LABELS "${labels}"
        TIMEOUT 300
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;LC_ALL=C;HDR_OCIO_CONFIG=${HDR_RESOURCE_DIR}/ocio/config.ocio;OMP_WAIT_POLICY=PASSIVE")
endfunction()
