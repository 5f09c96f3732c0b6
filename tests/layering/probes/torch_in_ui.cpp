// Must not compile: ui/ sees libtorch through no dependency (tests/layering/CMakeLists.txt).
#include <torch/torch.h>
