// generate(): seeds (same seed = same image; batch count = seed + j; batch images drawn together),
// img2img, per-step cancellation, LoRA merged for one call and restored, A1111 / JSON metadata
// round trips (reference/diffusion.md §5.4) and the SHA-256 model hash. Runs on the tiny oracle
// models (64x64, 4 steps); the metadata tests need no shared data.
#include "support/TestSupport.h"

#include "diffusion/SafetensorsTorch.h"
#include "diffusion/TorchRuntime.h"
#include "diffusion/lora/LoraMerge.h"
#include "diffusion/model/StableDiffusionModel.h"
#include "diffusion/pipeline/SdxlMicroConditioning.h"
#include "generate/GenerateRequest.h"
#include "image/Image.h"
#include "io/ImageIO.h"

#include <QTemporaryDir>

#include <algorithm>
#include <cmath>

using namespace hdr;
using namespace hdr::diffusion;

namespace {

const std::string kSd15 = "oracle/models/tiny-sd15";
const std::string kSdxl = "oracle/models/tiny-sdxl";

GenerateRequest tinyRequest(const std::string& model)
{
    GenerateRequest r;
    r.model = test::sharedPath(model);
    r.prompt = "a red (house:1.2) on a hill";
    r.negative = "blurry";
    r.width = r.height = 64;
    r.steps = 4;
    r.cfg = 5.0;
    r.seed = 42;
    r.sampler = "euler_a";
    r.threads = 2;
    r.modelHash = "0123456789"; // skip hashing in most tests
    return r;
}

double maxDiff(const std::vector<float>& a, const std::vector<float>& b)
{
    if (a.size() != b.size()) return INFINITY;
    double m = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double d = std::abs(double(a[i]) - double(b[i]));
        if (std::isnan(d)) return NAN; // so that neither "> x" nor "< x" passes on NaN output
        m = std::max(m, d);
    }
    return m;
}

// Cancels as soon as the first step's preview arrives.
class CancelAfterFirstStep final : public core::JobContext {
public:
    bool isCancelled() const override { return m_cancelled; }
    void setProgress(double, std::string_view) override {}
    void publishPreview(const core::PreviewFrame& frame) override
    {
        ++previews;
        QVERIFY(frame.width > 0 && frame.rgb.size() == std::size_t(frame.width * frame.height * 3));
        m_cancelled = true;
    }
    int previews = 0;

private:
    bool m_cancelled = false;
};

} // namespace

class TestGenerate : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { configureTorch(2); }

    void sha256KnownValues()
    {
        QCOMPARE(sha256Hex(""),
                 std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(sha256Hex("abc"),
                 std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        // Two blocks (56 bytes: the padding spills into a second block).
        QCOMPARE(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                 std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        QTemporaryDir dir;
        const auto file = std::filesystem::path(dir.path().toStdString()) / "m.safetensors";
        test::writeAll(file, {'a', 'b', 'c'});
        auto hash = modelHash(file);
        HDR_VERIFY_OK(hash);
        QCOMPARE(*hash, std::string("ba7816bf8f"));
    }

    void a1111RoundTrip()
    {
        GenerationParameters p;
        p.prompt = "a cat, sitting: on a mat\nsecond line (detailed:1.2)";
        p.negative = "blurry, low quality";
        p.seed = 1234567890123ULL;
        p.sampler = "dpmpp_2m_karras";
        p.steps = 30;
        p.cfg = 6.5;
        p.width = 768;
        p.height = 512;
        p.batchSize = 2;
        p.batchPosition = 1;
        p.modelName = "model.safetensors";
        p.modelHash = "abcdef1234";
        p.loras = {LoraSpec{"/loras/a.safetensors", 0.8f}, LoraSpec{"b.safetensors", -1.0f}};
        p.promptStyle = "diffusers";
        p.clipSkip = 1;
        p.strength = 0.4;
        p.imageToImage = true;
        p.initImage = "in.png";
        p.originalSize = std::array<int, 2>{2048, 1024};
        p.cropTopLeft = std::array<int, 2>{16, 8};
        const std::string text = formatA1111Parameters(p);
        QVERIFY(text.find("\nNegative prompt: blurry, low quality\nSteps: 30, Sampler: DPM++ 2M Karras, CFG "
                          "scale: 6.5, "
                          "Seed: 1234567890123, Size: 768x512, Model hash: abcdef1234") != std::string::npos);
        QVERIFY(text.find("Clip skip: 2") != std::string::npos);
        auto back = parseA1111Parameters(text);
        HDR_VERIFY_OK(back);
        QCOMPARE(back->prompt, p.prompt);
        QCOMPARE(back->negative, p.negative);
        QCOMPARE(back->seed, p.seed);
        QCOMPARE(back->sampler, p.sampler);
        QCOMPARE(back->steps, p.steps);
        QCOMPARE(back->cfg, p.cfg);
        QCOMPARE(back->width, 768);
        QCOMPARE(back->height, 512);
        QCOMPARE(back->batchSize, 2);
        QCOMPARE(back->batchPosition, 1);
        QCOMPARE(back->modelName, p.modelName);
        QCOMPARE(back->modelHash, p.modelHash);
        QCOMPARE(back->loras, p.loras);
        QCOMPARE(back->promptStyle, p.promptStyle);
        QCOMPARE(back->clipSkip, 1);
        QCOMPARE(back->strength, p.strength);
        QCOMPARE(back->initImage, p.initImage);
        QCOMPARE(back->originalSize, p.originalSize);
        QCOMPARE(back->cropTopLeft, p.cropTopLeft);
        QVERIFY(!back->targetSize);

        auto json = parametersFromJson(toJson(p));
        HDR_VERIFY_OK(json);
        QCOMPARE(json->prompt, p.prompt);
        QCOMPARE(json->seed, p.seed);
        QCOMPARE(json->loras, p.loras);

        // Another tool's text: A1111 >= 1.6 splits the Karras schedule into its own key.
        auto other = parseA1111Parameters("masterpiece\nNegative prompt: ugly\nSteps: 20, Sampler: DPM++ 2M, "
                                          "Schedule type: Karras, CFG scale: 7, Seed: 5, Size: 512x768, "
                                          "Lora hashes: \"a: 1, b: 2\", Version: v1.10");
        HDR_VERIFY_OK(other);
        QCOMPARE(other->sampler, std::string("dpmpp_2m_karras"));
        QCOMPARE(other->prompt, std::string("masterpiece"));
        QCOMPARE(*other->negative, std::string("ugly"));
        QCOMPARE(other->height, 768);
        auto euler = parseA1111Parameters("x\nSteps: 20, Sampler: Euler a, Seed: 1");
        HDR_VERIFY_OK(euler);
        QCOMPARE(euler->sampler, std::string("euler_a"));
        QVERIFY(!euler->negative);
        QVERIFY(!parseA1111Parameters("just a prompt\nwith no parameters"));
        QVERIFY(!parseA1111Parameters(""));
    }

    void sameSeedSameImage()
    {
        HDR_REQUIRE_SHARED(kSd15);
        core::NullJobContext job;
        auto a = generate(tinyRequest(kSd15), job);
        auto b = generate(tinyRequest(kSd15), job);
        HDR_VERIFY_OK(a);
        HDR_VERIFY_OK(b);
        QCOMPARE(a->size(), std::size_t(1));
        const GeneratedImage& image = a->front();
        QCOMPARE(image.width, 64);
        QCOMPARE(image.srgb.size(), std::size_t(64 * 64 * 3));
        QCOMPARE(image.latents.size(), std::size_t(4 * 8 * 8));
        QCOMPARE(image.latentShape, (std::array<std::int64_t, 4>{1, 4, 8, 8}));
        QVERIFY(std::all_of(image.srgb.begin(), image.srgb.end(), [](float v) { return v >= 0 && v <= 1; }));
        QCOMPARE(image.srgb, b->front().srgb);
        QCOMPARE(image.latents, b->front().latents);
        QCOMPARE(image.parameters.seed, std::uint64_t(42));
        QCOMPARE(image.parameters.modelHash, std::string("0123456789"));

        GenerateRequest other = tinyRequest(kSd15);
        other.seed = 43;
        auto c = generate(other, job);
        HDR_VERIFY_OK(c);
        QVERIFY(maxDiff(c->front().latents, image.latents) > 1e-3);
    }

    void batchAndBatchCountSeeds()
    {
        HDR_REQUIRE_SHARED(kSd15);
        core::NullJobContext job;
        GenerateRequest r = tinyRequest(kSd15);
        r.batchSize = 2;
        r.batchCount = 2;
        int delivered = 0;
        auto all = generate(r, job, [&](const GeneratedImage&) { ++delivered; });
        HDR_VERIFY_OK(all);
        QCOMPARE(all->size(), std::size_t(4));
        QCOMPARE(delivered, 4);
        QCOMPARE((*all)[0].parameters.seed, std::uint64_t(42));
        QCOMPARE((*all)[1].parameters.batchPosition, 1);
        QCOMPARE((*all)[2].parameters.seed, std::uint64_t(43));
        QCOMPARE((*all)[2].batchIndex, 1);
        QVERIFY(maxDiff((*all)[0].latents, (*all)[1].latents) > 1e-3); // batch images differ

        // Batch j = seed + j: the second batch equals a batch-size-2 run at seed 43.
        GenerateRequest second = tinyRequest(kSd15);
        second.batchSize = 2;
        second.seed = 43;
        auto again = generate(second, job);
        HDR_VERIFY_OK(again);
        QCOMPARE((*again)[0].latents, (*all)[2].latents);
        QCOMPARE((*again)[1].latents, (*all)[3].latents);

        // Reproducing image 1 of batch 1 from its metadata gives it again.
        const auto params = parseA1111Parameters(formatA1111Parameters((*all)[3].parameters));
        HDR_VERIFY_OK(params);
        GenerateRequest base;
        base.model = r.model;
        base.threads = 2;
        base.modelHash = "0123456789";
        auto repro = generate(requestFromParameters(*params, base), job);
        HDR_VERIFY_OK(repro);
        QCOMPARE(repro->size(), std::size_t(2));
        QCOMPARE((*repro)[1].latents, (*all)[3].latents);
        QCOMPARE((*repro)[1].srgb, (*all)[3].srgb);
    }

    void batchImageZeroMatchesDiffusersDraws()
    {
        // diffusers draws a batch's initial noise as one randn([B, 4, h, w]) from one generator,
        // whose first quarter equals randn([1, 4, h, w]) (torch fills in blocks of 16 values), so
        // with a deterministic sampler image 0 of a batch of 2 is the batch-of-1 image. Ancestral
        // samplers then draw per-step noise for the whole batch, so there image 0 differs in
        // diffusers too (the stream has moved on by B*N values): we must behave the same.
        HDR_REQUIRE_SHARED(kSd15);
        core::NullJobContext job;
        for (const char* sampler : {"euler", "euler_a"}) {
            GenerateRequest one = tinyRequest(kSd15);
            one.sampler = sampler;
            GenerateRequest two = one;
            two.batchSize = 2;
            auto a = generate(one, job);
            auto b = generate(two, job);
            HDR_VERIFY_OK(a);
            HDR_VERIFY_OK(b);
            const double d = maxDiff(a->front().latents, b->front().latents);
            if (std::string(sampler) == "euler") {
                QVERIFY2(d < 1e-4, qPrintable(QString::number(d))); // batched matmuls may round differently
            } else {
                QVERIFY2(d > 1e-2, qPrintable(QString::number(d)));
            }
        }
    }

    void tiledVaeDecode()
    {
        HDR_REQUIRE_SHARED(kSd15);
        core::NullJobContext job;
        GenerateRequest plain = tinyRequest(kSd15);
        plain.width = plain.height = 128; // latents 16x16
        GenerateRequest tiled = plain;
        tiled.vaeTile = 64; // 8x8 latent tiles overlapping by 2
        auto a = generate(plain, job);
        auto b = generate(tiled, job);
        HDR_VERIFY_OK(a);
        HDR_VERIFY_OK(b);
        // The same denoising; only the decode differs, near the blended seams.
        QCOMPARE(b->front().latents, a->front().latents);
        QCOMPARE(b->front().srgb.size(), a->front().srgb.size());
        double sum = 0;
        for (std::size_t i = 0; i < a->front().srgb.size(); ++i)
            sum += std::abs(double(a->front().srgb[i]) - double(b->front().srgb[i]));
        const double mean = sum / double(a->front().srgb.size());
        qInfo("tiled vs one-piece decode: mean |diff| %.4f, max %.4f",
              mean,
              maxDiff(a->front().srgb, b->front().srgb));
        QVERIFY2(mean > 0.0 && mean < 0.05, qPrintable(QString::number(mean)));
        // Recorded, and read back from the infotext.
        QCOMPARE(b->front().parameters.vaeTile, 64);
        const auto back = parseA1111Parameters(formatA1111Parameters(b->front().parameters));
        HDR_VERIFY_OK(back);
        QCOMPARE(back->vaeTile, 64);
        QCOMPARE(requestFromParameters(*back, GenerateRequest{}).vaeTile, 64);
        // Tiles must be multiples of 8 and at least 64 pixels.
        tiled.vaeTile = 60;
        const auto refused = generate(tiled, job);
        QVERIFY(!refused);
        QVERIFY(QString::fromStdString(refused.error().message).contains(QStringLiteral("VAE tile")));
    }

    void img2imgRuns()
    {
        HDR_REQUIRE_SHARED(kSd15);
        QTemporaryDir dir;
        const auto input = std::filesystem::path(dir.path().toStdString()) / "in.png";
        core::ImageF image(72, 64, 3); // 72 is cropped to 72 (multiple of 8); height 64
        for (int y = 0; y < 64; ++y) {
            for (int x = 0; x < 72; ++x) {
                float* p = image.pixel(x, y);
                p[0] = float(x) / 72.0f;
                p[1] = float(y) / 64.0f;
                p[2] = 0.25f;
            }
        }
        HDR_VERIFY_OK(core::writeImage(image, input));
        GenerateRequest r = tinyRequest(kSd15);
        r.initImage = input;
        r.strength = 0.5;
        core::NullJobContext job;
        auto out = generate(r, job);
        HDR_VERIFY_OK(out);
        QCOMPARE(out->front().width, 72);
        QCOMPARE(out->front().height, 64);
        QCOMPARE(out->front().parameters.strength, 0.5);
        QVERIFY(out->front().parameters.imageToImage);
        auto again = generate(r, job);
        HDR_VERIFY_OK(again);
        QCOMPARE(again->front().srgb, out->front().srgb);
    }

    void cancelWithinOneStep()
    {
        HDR_REQUIRE_SHARED(kSd15);
        CancelAfterFirstStep job;
        GenerateRequest r = tinyRequest(kSd15);
        r.batchCount = 3;
        int delivered = 0;
        auto out = generate(r, job, [&](const GeneratedImage&) { ++delivered; });
        QVERIFY(!out);
        QCOMPARE(out.error().code, core::ErrorCode::Cancelled);
        QCOMPARE(job.previews, 1);
        QCOMPARE(delivered, 0);
    }

    void loraChangesOutputAndIsRestored()
    {
        HDR_REQUIRE_SHARED(kSd15);
        auto model = StableDiffusionModel::open(test::sharedPath(kSd15));
        HDR_VERIFY_OK(model);
        // A rank-2 kohya LoRA on one attention projection, sized from the model itself.
        auto unet = (*model)->unet();
        HDR_VERIFY_OK(unet);
        const auto params = parametersOf(**unet);
        const std::string layer = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
        QVERIFY(params.count(layer + ".weight"));
        const at::Tensor weight = params.at(layer + ".weight");
        const int64_t rank = 2;
        at::Generator gen = at::detail::createCPUGenerator(7);
        std::string kohya = "lora_unet_" + layer;
        std::replace(kohya.begin(), kohya.end(), '.', '_');
        QTemporaryDir dir;
        const auto loraPath = std::filesystem::path(dir.path().toStdString()) / "tiny.safetensors";
        HDR_VERIFY_OK(writeSafetensors(
            loraPath,
            {{kohya + ".lora_down.weight", at::randn({rank, weight.size(1)}, gen, at::kFloat)},
             {kohya + ".lora_up.weight", at::randn({weight.size(0), rank}, gen, at::kFloat)},
             {kohya + ".alpha", at::scalar_tensor(2.0f)}}));
        const at::Tensor before = weight.clone();

        core::NullJobContext job;
        GenerateRequest plain = tinyRequest(kSd15);
        auto a = generate(plain, **model, job);
        HDR_VERIFY_OK(a);
        GenerateRequest withLora = plain;
        withLora.loras = {LoraSpec{loraPath, 1.0f}};
        auto b = generate(withLora, **model, job);
        HDR_VERIFY_OK(b);
        QVERIFY(maxDiff(a->front().latents, b->front().latents) > 1e-4);
        QCOMPARE(b->front().parameters.loras.size(), std::size_t(1));
        QVERIFY(at::equal(params.at(layer + ".weight"), before));
        auto c = generate(plain, **model, job);
        HDR_VERIFY_OK(c);
        QCOMPARE(c->front().latents, a->front().latents);

        // <lora:tiny:0.7> in the prompt: the same as --lora tiny.safetensors:0.7 on the prompt
        // without the tag (A1111's syntax; the tag never reaches the text encoder).
        GenerateRequest explicitLora = plain;
        explicitLora.loras = {LoraSpec{loraPath, 0.7f}};
        auto d = generate(explicitLora, **model, job);
        HDR_VERIFY_OK(d);
        GenerateRequest tagged = plain;
        tagged.prompt = "<lora:tiny:0.7>" + plain.prompt;
        tagged.loraDir = dir.path().toStdString();
        auto e = generate(tagged, **model, job);
        HDR_VERIFY_OK(e);
        QCOMPARE(e->front().latents, d->front().latents);
        tagged.loraDir.clear();
        auto noFolder = generate(tagged, **model, job);
        QVERIFY(!noFolder);
        QVERIFY2(noFolder.error().message.find("--lora-dir") != std::string::npos,
                 noFolder.error().message.c_str());
        tagged.loraDir = dir.path().toStdString();
        tagged.prompt = "<lora:missing:1> a house";
        auto missing = generate(tagged, **model, job);
        QVERIFY(!missing);
        QVERIFY2(missing.error().describe().find("missing") != std::string::npos,
                 missing.error().describe().c_str());
    }

    void sdxlWithSizeConditioning()
    {
        HDR_REQUIRE_SHARED(kSdxl);
        core::NullJobContext job;
        GenerateRequest r = tinyRequest(kSdxl);
        auto plain = generate(r, job);
        HDR_VERIFY_OK(plain);
        r.originalSize = std::array<int, 2>{256, 128};
        r.cropTopLeft = std::array<int, 2>{8, 0};
        auto conditioned = generate(r, job);
        HDR_VERIFY_OK(conditioned);
        QCOMPARE(conditioned->front().parameters.originalSize,
                 (std::optional<std::array<int, 2>>({256, 128})));
        QVERIFY(maxDiff(plain->front().latents, conditioned->front().latents) > 1e-2);
        const auto back = parseA1111Parameters(formatA1111Parameters(conditioned->front().parameters));
        HDR_VERIFY_OK(back);
        GenerateRequest base;
        base.model = r.model;
        const GenerateRequest repro = requestFromParameters(*back, base);
        QCOMPARE(repro.originalSize, r.originalSize);
        QCOMPARE(repro.cropTopLeft, r.cropTopLeft);
    }

    // diffusers' defaulting of the unconditional pass's add_time_ids differs between the
    // text-to-image and image-to-image pipelines (SdxlMicroConditioning.h).
    void sdxlMicroConditioningDefaults()
    {
        SdxlMicroConditioning m;
        m.cropTopLeft = std::array<int, 2>{16, 8};
        m.negativeOriginalSize = std::array<int, 2>{512, 512};
        // Text to image: a lone negative original size is ignored (both sizes are needed).
        auto t2i = resolveSdxlConditioning(m, 192, 256, SdxlPipelineKind::TextToImage, false);
        QVERIFY(at::equal(t2i.negative.timeIds(1), t2i.positive.timeIds(1)));
        m.negativeTargetSize = std::array<int, 2>{384, 320};
        t2i = resolveSdxlConditioning(m, 192, 256, SdxlPipelineKind::TextToImage, false);
        QCOMPARE(t2i.negative.originalHeight, 512);
        QCOMPARE(t2i.negative.cropTop, 0); // negative crop defaults to (0, 0)
        QCOMPARE(t2i.negative.targetWidth, 320);
        // Image to image without aesthetic scores: the positive crop, negative sizes given.
        auto i2i = resolveSdxlConditioning(m, 192, 256, SdxlPipelineKind::ImageToImage, false);
        QCOMPARE(i2i.negative.cropTop, 16);
        QCOMPARE(i2i.negative.cropLeft, 8);
        QCOMPARE(i2i.positive.originalHeight, 256);
        QCOMPARE(i2i.positive.originalWidth, 192);
        // The refiner: 5 ids with the aesthetic scores, the negative crop (default 0, 0).
        auto refiner = resolveSdxlConditioning(m, 192, 256, SdxlPipelineKind::ImageToImage, true);
        QCOMPARE(refiner.positive.timeIds(1).size(1), 5);
        QCOMPARE(refiner.positive.timeIds(1)[0][4].item<float>(), 6.0f);
        QCOMPARE(refiner.negative.timeIds(1)[0][4].item<float>(), 2.5f);
        QCOMPARE(refiner.negative.cropTop, 0);
        QCOMPARE(refiner.negative.originalHeight, 512);
    }

    void sdxlNegativeConditioningReachesTheUnet()
    {
        HDR_REQUIRE_SHARED(kSdxl);
        core::NullJobContext job;
        GenerateRequest r = tinyRequest(kSdxl);
        auto plain = generate(r, job);
        HDR_VERIFY_OK(plain);
        r.negativeOriginalSize = std::array<int, 2>{512, 512};
        r.negativeTargetSize = std::array<int, 2>{1024, 1024};
        auto negative = generate(r, job);
        HDR_VERIFY_OK(negative);
        QVERIFY(maxDiff(plain->front().latents, negative->front().latents) > 1e-3);
        r.cfg = 1.0; // no unconditional pass: the negative sizes cannot matter
        auto noCfg = generate(r, job);
        r.negativeOriginalSize.reset();
        r.negativeTargetSize.reset();
        auto noCfgPlain = generate(r, job);
        HDR_VERIFY_OK(noCfg);
        HDR_VERIFY_OK(noCfgPlain);
        QCOMPARE(maxDiff(noCfg->front().latents, noCfgPlain->front().latents), 0.0);
    }

    void sdxlRefinerHandoff()
    {
        HDR_REQUIRE_SHARED(kSdxl);
        HDR_REQUIRE_SHARED("oracle/models/tiny-sdxl-refiner");
        core::NullJobContext job;
        GenerateRequest r = tinyRequest(kSdxl);
        r.sampler = "euler";
        r.steps = 6;
        auto base = generate(r, job);
        HDR_VERIFY_OK(base);
        r.refiner = test::sharedPath("oracle/models/tiny-sdxl-refiner");
        r.refinerSwitch = 0.5;
        auto refined = generate(r, job);
        HDR_VERIFY_OK(refined);
        // The refiner ran the last half: the result differs from the base alone.
        QVERIFY(maxDiff(base->front().latents, refined->front().latents) > 1e-3);
        const std::string text = formatA1111Parameters(refined->front().parameters);
        QVERIFY2(text.find("Refiner: tiny-sdxl-refiner") != std::string::npos, text.c_str());
        QVERIFY2(text.find("Refiner switch at: 0.5") != std::string::npos, text.c_str());
        // A hand-off at the very end of a different switch changes the result again.
        r.refinerSwitch = 0.8;
        auto later = generate(r, job);
        HDR_VERIFY_OK(later);
        QVERIFY(maxDiff(later->front().latents, refined->front().latents) > 1e-4);
        // An SD 1.5 model is not a refiner.
        r.refiner = test::sharedPath(kSd15);
        auto wrong = generate(r, job);
        QVERIFY(!wrong);
        QVERIFY2(wrong.error().message.find("not an SDXL refiner") != std::string::npos,
                 wrong.error().message.c_str());
    }

    void writesPngExrJsonLatents()
    {
        GeneratedImage image;
        image.width = 16;
        image.height = 8;
        image.srgb.resize(16 * 8 * 3);
        for (std::size_t i = 0; i < image.srgb.size(); ++i)
            image.srgb[i] = float(i % 97) / 96.0f;
        image.latents.assign(4 * 1 * 2, 0.5f);
        image.latentShape = {1, 4, 1, 2};
        image.parameters.prompt = "ünïcode prompt, with: colon";
        image.parameters.seed = 9;
        image.parameters.width = 16;
        image.parameters.height = 8;
        QTemporaryDir dir;
        const std::filesystem::path out = dir.path().toStdString();
        auto first = writeGeneratedImage(image, out, "png");
        HDR_VERIFY_OK(first);
        QCOMPARE(first->front().filename().string(), std::string("00000-9.png"));
        auto second = writeGeneratedImage(image, out, "png");
        HDR_VERIFY_OK(second);
        QCOMPARE(second->front().filename().string(), std::string("00001-9.png")); // never overwrites
        auto read = readParametersFrom(first->front());
        HDR_VERIFY_OK(read);
        QCOMPARE(read->prompt, image.parameters.prompt);
        auto fromJson = readParametersFrom(first->at(1));
        HDR_VERIFY_OK(fromJson);
        QCOMPARE(fromJson->seed, std::uint64_t(9));

        auto exr = writeGeneratedImage(image, out, "exr");
        HDR_VERIFY_OK(exr);
        auto linear = core::readImage(exr->front());
        HDR_VERIFY_OK(linear);
        // Linearised sRGB, no 8-bit quantisation: value 50/96 comes back exactly as decode(50/96).
        const float v = image.srgb[50];
        const float expected = core::decode(core::Transfer::srgb(), v);
        QVERIFY(std::abs(linear->data()[50] - expected) < 1e-6f);
        QCOMPARE(linear->metadata.attributes.at("parameters"), formatA1111Parameters(image.parameters));

        const auto latents = out / "latents.safetensors";
        HDR_VERIFY_OK(writeLatentsFile({image, image}, latents));
        const auto map = loadSafetensors(latents);
        HDR_VERIFY_OK(map);
        QCOMPARE(map->size(), std::size_t(1));
        QCOMPARE(map->at("latents").sizes().vec(), (std::vector<int64_t>{2, 4, 1, 2}));
        QVERIFY(!writeLatentsFile({image}, latents)); // exists: refused
    }
};

HDR_TEST_MAIN(TestGenerate)
#include "tst_generate.moc"
