#include "batch/LoraChoice.h"

namespace hdr::batch {

const char* nameOf(LoraKind kind)
{
    switch (kind) {
    case LoraKind::Character: return "character";
    case LoraKind::Style: return "style";
    case LoraKind::Prompt: return "prompt";
    }
    return "prompt";
}

std::optional<LoraKind> loraKindFromName(std::string_view name)
{
    if (name == "character") return LoraKind::Character;
    if (name == "style") return LoraKind::Style;
    if (name == "prompt") return LoraKind::Prompt;
    return std::nullopt;
}

} // namespace hdr::batch
