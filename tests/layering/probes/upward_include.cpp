// Must not compile: image/ sits below io/, so "io/ImageIO.h" is not on its include path.
#include "io/ImageIO.h"
