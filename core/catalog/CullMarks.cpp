#include "catalog/CullMarks.h"

#include <algorithm>

namespace hdr::catalog {

const char* nameOf(Flag flag)
{
    switch (flag) {
    case Flag::None: return "unflagged";
    case Flag::Picked: return "picked";
    case Flag::Rejected: return "rejected";
    }
    return "unflagged";
}

CullMarks CullMarks::withFlag(Flag f) const
{
    CullMarks m = *this;
    m.flag = f;
    if (f == Flag::Rejected) m.stars = 0;
    return m;
}

CullMarks CullMarks::withStars(int n) const
{
    CullMarks m = *this;
    m.stars = std::clamp(n, 0, 5);
    if (m.flag == Flag::Rejected && m.stars > 0) m.flag = Flag::None;
    return m;
}

} // namespace hdr::catalog
