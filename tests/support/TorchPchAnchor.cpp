// Compiles the torch precompiled header that the Qt tests share (cmake/HdrTesting.cmake).
