# hdr_add_test(NAME SOURCES ... [DEPS ...] [GUI] [SLOW])
# One Qt Test executable per test file, registered with CTest. Labels: core | gui, and slow.
# Every test runs on the offscreen platform with the hermetic fixture of tests/support.
# OMP_WAIT_POLICY=PASSIVE: ctest runs tests in parallel, and two libtorch processes whose OpenMP
# threads spin-wait on 2 cores slowed each other ~20x (tst_generate + tst_oracle: 37 s vs 2 s).
function(hdr_add_test name)
    cmake_parse_arguments(ARG "GUI;SLOW" "" "SOURCES;DEPS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE hdr_test_support Qt6::Test ${ARG_DEPS} hdr_warnings)
    set_target_properties(${name} PROPERTIES AUTOMOC ON)
    add_test(NAME ${name} COMMAND ${name})
    set(labels core)
    if(ARG_GUI)
        set(labels gui)
    endif()
    if(ARG_SLOW)
        list(APPEND labels slow)
    endif()
    set_tests_properties(${name} PROPERTIES
        LABELS "${labels}"
        TIMEOUT 300
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;LC_ALL=C;HDR_OCIO_CONFIG=${HDR_RESOURCE_DIR}/ocio/config.ocio;OMP_WAIT_POLICY=PASSIVE")
endfunction()
