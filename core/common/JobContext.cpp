#include "common/JobContext.h"

#include "common/Error.h"

namespace hdr::core {

NullJobContext& nullJobContext()
{
    static NullJobContext ctx;
    return ctx;
}

void throwIfCancelled(const JobContext& ctx)
{
    if (ctx.isCancelled()) {
        throwError(ErrorCode::Cancelled, "cancelled by the user");
    }
}

} // namespace hdr::core
