#include "upscale/UpscaleRequest.h"

#include "diffusion/TorchRuntime.h"
#include "diffusion/pipeline/RequestInputs.h"
#include "image/Resample.h"
#include "image/TransferFunction.h"
#include "io/ImageIO.h"
#include "modelsettings/ModelSettingInfo.h"
#include "upscale/EsrganModel.h"
#include "upscale/RealEsrganer.h"

#include <c10/core/InferenceMode.h>

#include <chrono>
#include <cmath>
#include <cstring>

namespace hdr::diffusion {

using core::ErrorCode;
using core::ImageF;

namespace {

spec::RequestSpec<UpscaleSettings> makeSettingsSpec()
{
    spec::RequestSpec<UpscaleSettings> s;
    s.add(&UpscaleSettings::model,
          {.key = "upscaler",
           .label = "Upscaler weights",
           .valueName = "PATH",
           .help = "ESRGAN / Real-ESRGAN weights (.pth, .safetensors); empty: Lanczos",
           .group = "Upscale"},
          [](const UpscaleSettings& r) -> std::optional<std::string> {
              std::error_code ec;
              if (!r.model.empty() && !std::filesystem::is_regular_file(r.model, ec)) {
                  return "The upscaler weights " + r.model.string() + " do not exist.";
              }
              return std::nullopt;
          });
    s.add(&UpscaleSettings::scale,
          {.key = "scale",
           .label = "Scale",
           .valueName = "S",
           .help = "output size / input size (0: the network's own scale; Lanczos 4)",
           .group = "Upscale",
           .min = 0,
           .max = 16});
    s.add(&UpscaleSettings::tile,
          {.key = "tile",
           .label = "Tile",
           .valueName = "PX",
           .help = "tile size in input pixels (0: whole image)",
           .group = "Upscale",
           .min = 0,
           .max = 8192});
    s.add(&UpscaleSettings::tilePad,
          {.key = "tile-pad",
           .label = "Tile pad",
           .valueName = "PX",
           .help = "context around each tile",
           .group = "Upscale",
           .min = 0,
           .max = 512});
    s.add(&UpscaleSettings::prePad,
          {.key = "pre-pad",
           .label = "Pre pad",
           .valueName = "PX",
           .help = "reflect padding against border artefacts",
           .group = "Upscale",
           .min = 0,
           .max = 512});
    s.add(&UpscaleSettings::dtype,
          {.key = "dtype",
           .label = "Precision",
           .valueName = "T",
           .help = "fp32, bf16 or fp16",
           .group = "Upscale",
           .choices = {"fp32", "bf16", "fp16"}});
    s.add(&UpscaleSettings::device,
          {.key = "device",
           .label = "Device",
           .valueName = "D",
           .help = "cpu or cuda[:N]",
           .group = "Upscale"});
    s.add(&UpscaleSettings::threads,
          {.key = "threads",
           .label = "Threads",
           .valueName = "N",
           .help = "CPU threads (0: all cores)",
           .group = "Upscale",
           .min = 0,
           .max = 1024,
           .json = false});
    return s;
}

spec::RequestSpec<UpscaleRequest> makeRequestSpec()
{
    spec::RequestSpec<UpscaleRequest> s;
    s.include(upscaleSettingsSpec());
    s.add(&UpscaleRequest::output,
          {.key = "output",
           .label = "Output",
           .valueName = "FILE",
           .help = "the upscaled image (format by extension)",
           .group = "Output",
           .json = false},
          [](const UpscaleRequest& r) -> std::optional<std::string> {
              if (r.output.empty()) return "Name the output file (--output FILE).";
              return std::nullopt;
          });
    s.add(&UpscaleRequest::overwrite, [] {
        auto i = modelsettings::overwrite();
        i.help = "replace an existing output";
        return i;
    }());
    return s;
}

ImageF lanczos(const ImageF& display, double scale)
{
    const double s = scale > 0.0 ? scale : 4.0;
    return core::unwrap(core::resizeLanczos(display,
                                            std::max(1, int(std::lround(display.width() * s))),
                                            std::max(1, int(std::lround(display.height() * s)))));
}

} // namespace

const spec::RequestSpec<UpscaleSettings>& upscaleSettingsSpec()
{
    static const spec::RequestSpec<UpscaleSettings> spec = makeSettingsSpec();
    return spec;
}

const spec::RequestSpec<UpscaleRequest>& upscaleRequestSpec()
{
    static const spec::RequestSpec<UpscaleRequest> spec = makeRequestSpec();
    return spec;
}

core::Result<UpscaledImage>
upscaleDisplayImage(const ImageF& display, const UpscaleSettings& settings, core::JobContext& job)
{
    return core::guarded(ErrorCode::Internal, settings.model.string(), [&] {
        core::unwrap(upscaleSettingsSpec().validate(settings));
        UpscaledImage out;
        if (settings.model.empty()) {
            job.setProgress(0.0, "Lanczos upscale");
            out.display = lanczos(display, settings.scale);
            out.method = "Lanczos-3 (no upscaler weights given)";
            for (std::size_t i = 0,
                             n = std::size_t(out.display.pixelCount()) * std::size_t(out.display.channels());
                 i < n;
                 ++i) {
                out.display.data()[i] = std::clamp(out.display.data()[i], 0.0f, 1.0f);
            }
            return out;
        }
        configureTorch(settings.threads);
        c10::InferenceMode guard;
        job.setProgress(0.0, "Loading the upscaler");
        LoadedEsrgan model = core::unwrap(
            loadEsrganModel(settings.model, dtypeFromName(settings.dtype), at::Device(settings.device)));
        const int channels = display.channels();
        const at::Tensor hwc = at::from_blob(const_cast<float*>(display.data()),
                                             {display.height(), display.width(), channels},
                                             at::kFloat)
                                   .to(model.net->conv_first->weight.device());
        RealEsrganOptions options;
        options.tile = settings.tile;
        options.tilePad = settings.tilePad;
        options.prePad = std::min<int>(settings.prePad, std::min(display.width(), display.height()) - 1);
        const EnhancedImage enhanced = enhanceImage(*model.net, hwc, options, job);
        const at::Tensor result = enhanced.hwc.to(at::kCPU, at::kFloat).contiguous();
        out.display = ImageF(int(result.size(1)), int(result.size(0)), channels);
        std::memcpy(
            out.display.data(), result.data_ptr<float>(), std::size_t(result.numel()) * sizeof(float));
        out.networkScale = int(model.info.config.scale);
        out.method = "RealESRGAN x" + std::to_string(out.networkScale) + " (" +
                     settings.model.filename().string() + ")";
        if (settings.scale > 0.0 && std::abs(settings.scale - double(out.networkScale)) > 1e-9) {
            // Real-ESRGAN's outscale: the network's result resized to input * scale.
            out.display =
                core::unwrap(core::resizeLanczos4OpenCv(out.display,
                                                        std::max(1, int(display.width() * settings.scale)),
                                                        std::max(1, int(display.height() * settings.scale))));
            for (std::size_t i = 0, n = std::size_t(out.display.pixelCount()) * std::size_t(channels); i < n;
                 ++i) {
                out.display.data()[i] = std::clamp(out.display.data()[i], 0.0f, 1.0f);
            }
        }
        return out;
    });
}

core::Result<UpscaleOutcome> runUpscale(const UpscaleRequest& r, core::JobContext& job)
{
    return core::guarded(ErrorCode::Internal, r.input.string(), [&] {
        const auto start = std::chrono::steady_clock::now();
        core::unwrap(upscaleRequestSpec().validate(r));
        ImageF image = core::unwrap(core::readImage(r.input));
        const std::string pixelType = image.metadata.sourcePixelType;
        if (pixelType != "uint8" && pixelType != "uint16") {
            core::throwError(ErrorCode::InvalidArgument,
                             "the upscalers take pictures (8/16-bit PNG, JPEG, TIFF), not scene-linear data; "
                             "tone-map or convert the image first",
                             r.input.string());
        }
        // Code values, as the network saw its training pictures.
        for (std::size_t i = 0, n = std::size_t(image.pixelCount()) * std::size_t(image.channels()); i < n;
             ++i) {
            if (image.channels() == 4 && i % 4 == 3) continue; // alpha is stored linearly
            image.data()[i] = core::srgbEncode(image.data()[i]);
        }
        UpscaledImage up = core::unwrap(upscaleDisplayImage(image, r, job));
        ImageF linear = up.display;
        for (std::size_t i = 0, n = std::size_t(linear.pixelCount()) * std::size_t(linear.channels()); i < n;
             ++i) {
            if (linear.channels() == 4 && i % 4 == 3) continue;
            linear.data()[i] = core::srgbDecode(linear.data()[i]);
        }
        linear.metadata.attributes["upscaler"] = up.method;
        core::WriteOptions options;
        options.overwrite = r.overwrite;
        if (pixelType == "uint16") options.sampleType = core::SampleType::U16;
        job.setProgress(1.0, "Writing");
        core::unwrap(core::writeImage(linear, r.output, options));
        UpscaleOutcome outcome;
        outcome.file = r.output;
        outcome.width = linear.width();
        outcome.height = linear.height();
        outcome.method = up.method;
        outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return outcome;
    });
}

} // namespace hdr::diffusion
