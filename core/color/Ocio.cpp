// Placeholder: the real implementation replaces this file.
#include "color/Ocio.h"
