#include "diffusion/pipeline/SdxlMicroConditioning.h"

namespace hdr::diffusion {

namespace {

SdxlSizeConditioning makeIds(std::array<int, 2> original, std::array<int, 2> crop, std::array<int, 2> target)
{
    SdxlSizeConditioning ids;
    ids.originalHeight = original[0];
    ids.originalWidth = original[1];
    ids.cropTop = crop[0];
    ids.cropLeft = crop[1];
    ids.targetHeight = target[0];
    ids.targetWidth = target[1];
    return ids;
}

} // namespace

ResolvedSdxlConditioning resolveSdxlConditioning(const SdxlMicroConditioning& request,
                                                 int imageWidth,
                                                 int imageHeight,
                                                 SdxlPipelineKind kind,
                                                 bool aestheticScores)
{
    const std::array<int, 2> imageSize{imageHeight, imageWidth};
    const std::array<int, 2> noCrop{0, 0};
    const auto original = request.originalSize.value_or(imageSize);
    const auto crop = request.cropTopLeft.value_or(noCrop);
    const auto target = request.targetSize.value_or(imageSize);
    const auto negativeCrop = request.negativeCropTopLeft.value_or(noCrop);

    ResolvedSdxlConditioning ids;
    ids.positive = makeIds(original, crop, target);
    if (kind == SdxlPipelineKind::TextToImage) {
        // StableDiffusionXLPipeline: negatives only as a complete pair, else a copy of the positive.
        ids.negative = request.negativeOriginalSize && request.negativeTargetSize
                           ? makeIds(*request.negativeOriginalSize, negativeCrop, *request.negativeTargetSize)
                           : ids.positive;
        return ids;
    }
    // StableDiffusionXLImg2ImgPipeline: the negative sizes default to the positive ones; with
    // aesthetic scores the negative crop is used, without them the positive crop (as diffusers does).
    const auto negativeOriginal = request.negativeOriginalSize.value_or(original);
    const auto negativeTarget = request.negativeTargetSize.value_or(target);
    if (aestheticScores) {
        ids.positive.aestheticScore = request.aestheticScore;
        ids.negative = makeIds(negativeOriginal, negativeCrop, negativeTarget);
        ids.negative.aestheticScore = request.negativeAestheticScore;
    } else {
        ids.negative = makeIds(negativeOriginal, crop, negativeTarget);
    }
    return ids;
}

} // namespace hdr::diffusion
