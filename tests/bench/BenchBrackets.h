#pragma once

#include "commandline/CliCommon.h"

namespace hdr::cli {

// `bench brackets`: bracketed generation vs a plain one, batched vs sequential branches, and the
// run time against the (1 - t) S + N t S evaluation cost model.
int benchBrackets(const Args& args, int repeat);

} // namespace hdr::cli
