// Oracle kinds of the upscalers (batch 2): BasicSR's RRDBNet forward on the released-format
// weights (.pth, the old ESRGAN layout and .safetensors all load to the same network) and
// Real-ESRGAN's RealESRGANer.enhance (pre/mod padding, tiling, crops, clamping, alpha and grey
// handling, half-to-even rounding, the Lanczos outscale), through core/upscale from in.* and the
// model files only. Tolerances: RRDBNet atol 5e-5 (README), float outputs 1e-4, integer outputs
// +-1 (values within 1e-3 of a .5 rounding boundary).
#include "OracleHarness.h"
#include "image/Resample.h"
#include "upscale/EsrganModel.h"
#include "upscale/RealEsrganer.h"

namespace {

using namespace hdr::test::oracle;
using namespace hdr::diffusion;

using hdr::core::unwrap;

void runRrdbForward(const OracleCase& c, OracleReport& report)
{
    const at::Tensor x = c.tensor("in.x");
    const at::Tensor expected = c.tensor("out.y");
    for (const auto& file : c.meta.at("model_files")) {
        LoadedEsrgan model = unwrap(loadEsrganModel(c.modelsDir / file.get<std::string>(), c.dtype));
        const auto& cfg = c.meta.at("config");
        if (model.info.config.scale != cfg.at("scale").get<int64_t>() ||
            model.info.config.numBlock != cfg.at("num_block").get<int64_t>() ||
            model.info.config.numFeat != cfg.at("num_feat").get<int64_t>() ||
            model.info.config.numGrowCh != cfg.at("num_grow_ch").get<int64_t>()) {
            report.fail(file.get<std::string>() +
                        ": the shape read from the weights differs from the case's config");
        }
        c10::InferenceMode guard;
        report.expectClose("y (" + file.get<std::string>() + ")", model.net->forward(x), expected, 5e-5);
    }
}

// in.img as cv2.imread gives it -> HWC float RGB(A) / grey in [0, 1], and the range.
std::pair<at::Tensor, double> inputImage(const OracleCase& c)
{
    const at::Tensor img = c.tensor("in.img");
    const double range = img.max().item<double>() > 256.0 ? 65535.0 : 255.0;
    at::Tensor f = img.to(at::kFloat) / float(range);
    if (f.dim() == 3 && f.size(2) >= 3) {
        const at::Tensor bgr = f.slice(2, 0, 3).flip({2}); // BGR -> RGB
        f = f.size(2) == 4 ? at::cat({bgr, f.slice(2, 3, 4)}, 2) : bgr;
    }
    return {f.contiguous(), range};
}

// RGB(A) HWC -> the BGR(A) order cv2 keeps.
at::Tensor toBgr(const at::Tensor& hwc)
{
    if (hwc.dim() != 3 || hwc.size(2) < 3) return hwc.squeeze(-1);
    const at::Tensor bgr = hwc.slice(2, 0, 3).flip({2});
    return hwc.size(2) == 4 ? at::cat({bgr, hwc.slice(2, 3, 4)}, 2) : bgr;
}

void runEnhance(const OracleCase& c, OracleReport& report)
{
    const auto& cfg = c.meta.at("config");
    const std::string family = c.meta.at("family").get<std::string>();
    LoadedEsrgan model = unwrap(loadEsrganModel(c.modelsDir / family / (family + ".pth"), c.dtype));
    RealEsrganOptions options;
    options.tile = cfg.at("tile").get<int>();
    options.tilePad = cfg.at("tile_pad").get<int>();
    options.prePad = cfg.at("pre_pad").get<int>();
    const auto [input, range] = inputImage(c);
    RealEsrganTrace trace;
    const EnhancedImage out = enhanceImage(*model.net, input, options, hdr::core::nullJobContext(), &trace);
    report.expectClose("pre_processed", trace.preProcessed, c.tensor("out.pre_processed"), 1e-6);
    report.expectClose("model_output_full", trace.modelOutputFull, c.tensor("out.model_output_full"), 1e-4);
    report.expectClose("output_float", out.rgbFloat, c.tensor("out.output_float"), 1e-4);
    if (c.has("out.output_clamped_bgr")) {
        report.expectClose("output_clamped_bgr", toBgr(out.hwc), c.tensor("out.output_clamped_bgr"), 1e-4);
    }
    if (c.has("out.alpha_output_float")) {
        report.expectClose("alpha_output_float", out.alphaFloat, c.tensor("out.alpha_output_float"), 1e-4);
    }
    const at::Tensor quantized = quantizeHalfEven(toBgr(out.hwc), range);
    report.expectClose("output", quantized, c.tensor("out.output"), 1.0);
    if (c.has("debug.output_float_notile")) {
        RealEsrganOptions whole = options;
        whole.tile = 0;
        report.expectClose(
            "output_float_notile",
            enhanceWithRealEsrgan(
                *model.net,
                input.slice(2, 0, 3).expand({-1, -1, 3}).permute({2, 0, 1}).unsqueeze(0).contiguous(),
                whole,
                hdr::core::nullJobContext()),
            c.tensor("debug.output_float_notile"),
            1e-4);
    }
    if (c.has("out.output_outscale")) {
        const double outscale = cfg.at("outscale").get<double>();
        const at::Tensor expected = c.tensor("out.output_outscale");
        const int w = int(input.size(1)), h = int(input.size(0));
        const int nw = int(double(w) * outscale), nh = int(double(h) * outscale);
        const at::Tensor q = quantized.dim() == 2 ? quantized.unsqueeze(2) : quantized;
        const int ch = int(q.size(2));
        const at::Tensor flat = q.contiguous().flatten();
        at::Tensor ours;
        if (range == 255.0) {
            std::vector<std::uint8_t> pixels(std::size_t(flat.numel()));
            for (std::size_t i = 0; i < pixels.size(); ++i)
                pixels[i] = std::uint8_t(flat[int64_t(i)].item<int>());
            const auto resized =
                hdr::core::resizeLanczos4OpenCv8(pixels, int(q.size(1)), int(q.size(0)), ch, nw, nh);
            ours = at::tensor(std::vector<int>(resized.begin(), resized.end())).view({nh, nw, ch});
        } else {
            std::vector<std::uint16_t> pixels(std::size_t(flat.numel()));
            for (std::size_t i = 0; i < pixels.size(); ++i)
                pixels[i] = std::uint16_t(flat[int64_t(i)].item<int>());
            const auto resized =
                hdr::core::resizeLanczos4OpenCv16(pixels, int(q.size(1)), int(q.size(0)), ch, nw, nh);
            ours = at::tensor(std::vector<int>(resized.begin(), resized.end())).view({nh, nw, ch});
        }
        report.expectClose("output_outscale", ours.view(expected.sizes()), expected, 1.0);
    }
}

} // namespace

HDR_ORACLE_KIND("rrdbnet_forward", runRrdbForward);
HDR_ORACLE_KIND("realesrganer_enhance", runEnhance);
