// Must not compile: core modules are Qt-free (tests/layering/CMakeLists.txt).
#include <QWidget>
