// LoRA loading and merging: files the test writes itself in kohya (diffusers-style and LDM-style
// names), PEFT and old diffusers naming, applied to a synthetic diffusers-named parameter set and
// to the tiny oracle models. Merged weights are checked against W + s (alpha/r) B A computed here,
// un-merge must restore bit-identical weights, and bad files must give precise reports/errors.
#include "diffusion/TorchRuntime.h"
#include "diffusion/lora/LoraMerge.h"
#include "diffusion/nets/UNet2DConditionModel.h"
#include "diffusion/nets/UNetConfig.h"
#include "support/TestSupport.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>

using namespace hdr::diffusion;

namespace {

using Tensors = std::vector<std::pair<std::string, at::Tensor>>;

// A small UNet-shaped parameter set (1 level, layers_per_block 2, attention down and up) and a
// one-layer CLIP text encoder, with diffusers/transformers names.
TensorMap syntheticUnet()
{
    TensorMap p;
    auto add = [&](const std::string& name, std::vector<int64_t> shape) { p[name] = at::randn(shape); };
    add("conv_in.weight", {8, 4, 3, 3});
    add("time_embedding.linear_1.weight", {16, 8});
    for (int j = 0; j < 2; ++j) {
        const std::string r = "down_blocks.0.resnets." + std::to_string(j) + ".";
        add(r + "conv1.weight", {8, 8, 3, 3});
        add(r + "norm1.weight", {8});
        add(r + "time_emb_proj.weight", {8, 16});
        const std::string a = "down_blocks.0.attentions." + std::to_string(j) + ".";
        add(a + "proj_in.weight", {8, 8, 1, 1});
        add(a + "transformer_blocks.0.attn1.to_q.weight", {8, 8});
        add(a + "transformer_blocks.0.attn2.to_k.weight", {8, 12});
        add(a + "transformer_blocks.0.attn1.to_out.0.weight", {8, 8});
        add(a + "transformer_blocks.0.ff.net.0.proj.weight", {32, 8});
    }
    add("down_blocks.0.downsamplers.0.conv.weight", {8, 8, 3, 3});
    for (int j = 0; j < 3; ++j) {
        add("up_blocks.0.resnets." + std::to_string(j) + ".conv1.weight", {8, 16, 3, 3});
        add("up_blocks.0.resnets." + std::to_string(j) + ".conv_shortcut.weight", {8, 16, 1, 1});
        add("up_blocks.0.attentions." + std::to_string(j) + ".transformer_blocks.0.attn1.to_v.weight",
            {8, 8});
    }
    add("up_blocks.0.upsamplers.0.conv.weight", {8, 8, 3, 3});
    add("mid_block.resnets.1.conv2.weight", {8, 8, 3, 3});
    add("conv_out.weight", {4, 8, 3, 3});
    return p;
}

TensorMap syntheticTextEncoder()
{
    TensorMap p;
    p["text_model.embeddings.token_embedding.weight"] = at::randn({50, 12});
    p["text_model.encoder.layers.0.self_attn.q_proj.weight"] = at::randn({12, 12});
    p["text_model.encoder.layers.0.self_attn.out_proj.weight"] = at::randn({12, 12});
    p["text_model.encoder.layers.0.mlp.fc1.weight"] = at::randn({48, 12});
    p["text_model.final_layer_norm.weight"] = at::randn({12});
    return p;
}

TensorMap cloneAll(const TensorMap& map)
{
    TensorMap out;
    for (const auto& [name, tensor] : map)
        out[name] = tensor.clone();
    return out;
}

bool allEqual(const TensorMap& a, const TensorMap& b, std::string* firstDifferent = nullptr)
{
    for (const auto& [name, tensor] : a) {
        if (!at::equal(tensor, b.at(name))) {
            if (firstDifferent) *firstDifferent = name;
            return false;
        }
    }
    return true;
}

// One LoRA layer's factors for a weight of the given shape (conv weights get a k x k down and a
// 1x1 up unless linearOnConv).
struct Factors {
    at::Tensor down, up;
    float alpha = 0;
};
Factors makeFactors(at::IntArrayRef weightShape, int64_t rank, float alpha, bool flatDown = false)
{
    Factors f;
    f.alpha = alpha;
    if (weightShape.size() == 4 && !flatDown) {
        f.down = at::randn({rank, weightShape[1], weightShape[2], weightShape[3]}) * 0.1;
        f.up = at::randn({weightShape[0], rank, 1, 1}) * 0.1;
    } else {
        f.down = at::randn({rank, weightShape[1]}) * 0.1; // on a 4-D weight: a 1x1 conv
        f.up = at::randn({weightShape[0], rank}) * 0.1;
    }
    return f;
}

// The expected delta, written independently of LoraMerge (einsum for conv LoRAs).
at::Tensor expectedDelta(const Factors& f, at::IntArrayRef weightShape, double strength, bool useAlpha = true)
{
    const double scale = useAlpha && f.alpha != 0 ? f.alpha / static_cast<double>(f.down.size(0)) : 1.0;
    at::Tensor delta;
    if (f.down.dim() == 4)
        delta = at::einsum("or,rikl->oikl", {f.up.flatten(1).to(at::kFloat), f.down.to(at::kFloat)});
    else
        delta = at::matmul(f.up.flatten(1).to(at::kFloat), f.down.to(at::kFloat));
    return (delta * (strength * scale)).reshape(weightShape);
}

void addKohya(Tensors& out, const std::string& name, const Factors& f)
{
    out.emplace_back(name + ".lora_down.weight", f.down);
    out.emplace_back(name + ".lora_up.weight", f.up);
    if (f.alpha != 0) out.emplace_back(name + ".alpha", at::scalar_tensor(f.alpha).to(at::kHalf));
}

std::filesystem::path writeLora(const QTemporaryDir& dir,
                                const std::string& name,
                                const Tensors& tensors,
                                const std::map<std::string, std::string>& metadata = {})
{
    const auto path = std::filesystem::path(dir.path().toStdString()) / name;
    const auto status = writeSafetensors(path, tensors, metadata);
    if (!status) throw std::runtime_error(status.error().describe());
    return path;
}

std::shared_ptr<const LoraFile> load(const std::filesystem::path& path)
{
    auto file = loadLoraFile(path);
    if (!file) throw std::runtime_error(file.error().describe());
    return std::make_shared<const LoraFile>(std::move(*file));
}

bool close(const at::Tensor& got, const at::Tensor& want, double atol = 1e-5)
{
    return got.sizes() == want.sizes() && at::allclose(got.to(at::kFloat), want.to(at::kFloat), 1e-5, atol);
}

TensorMap loadShared(const std::string& relative)
{
    auto map = loadSafetensors(hdr::test::sharedPath(relative));
    if (!map) throw std::runtime_error(map.error().describe());
    return cloneAll(*map);
}

} // namespace

class TestLora : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        configureTorch(2);
        at::manual_seed(1234);
    }

    void specParsing()
    {
        auto spec = parseLoraSpec("style.safetensors:0.8");
        HDR_VERIFY_OK(spec);
        QCOMPARE(spec->path.string(), std::string("style.safetensors"));
        QCOMPARE(spec->strength, 0.8f);
        spec = parseLoraSpec("style.safetensors");
        HDR_VERIFY_OK(spec);
        QCOMPARE(spec->strength, 1.0f);
        spec = parseLoraSpec("C:\\loras\\a.safetensors:-0.5");
        HDR_VERIFY_OK(spec);
        QCOMPARE(spec->path.string(), std::string("C:\\loras\\a.safetensors"));
        QCOMPARE(spec->strength, -0.5f);
        spec = parseLoraSpec("dir:with:colons/a.safetensors");
        HDR_VERIFY_OK(spec);
        QCOMPARE(spec->path.string(), std::string("dir:with:colons/a.safetensors"));
        QCOMPARE(spec->strength, 1.0f);
        QVERIFY(!parseLoraSpec("a.safetensors:"));
        QVERIFY(!parseLoraSpec(":0.5"));
        QVERIFY(!parseLoraSpec(""));
        QCOMPARE(formatLoraSpec({"a.safetensors", 0.25f}), std::string("a.safetensors:0.25"));

        QTemporaryDir dir;
        const auto path = writeLora(dir, "x.safetensors", {{"lora_unet_a.alpha", at::scalar_tensor(1.0)}});
        QVERIFY(validateLoraSpec({path, 0.8f}));
        auto tooStrong = validateLoraSpec({path, 20.0f});
        QVERIFY(!tooStrong);
        QVERIFY(tooStrong.error().message.find("outside") != std::string::npos);
        QVERIFY(!validateLoraSpec({path, std::numeric_limits<float>::quiet_NaN()}));
        QVERIFY(!validateLoraSpec({path.parent_path() / "missing.safetensors", 1.0f}));
        QVERIFY(!validateLoraSpec({path.parent_path(), 1.0f}));
        auto specs = parseLoraSpecs({path.string() + ":0.3", path.string()});
        HDR_VERIFY_OK(specs);
        QCOMPARE(specs->size(), std::size_t(2));
        QCOMPARE(specs->at(0).strength, 0.3f);
    }

    void kohyaBothStylesMergeAndRestore()
    {
        QTemporaryDir dir;
        const TensorMap unet = syntheticUnet();
        const TensorMap te = syntheticTextEncoder();
        struct Case {
            std::string diffusers, ldm, parameter;
            bool flatDown = false;
        };
        const std::vector<Case> cases = {
            {"down_blocks_0_attentions_1_transformer_blocks_0_attn1_to_q",
             "input_blocks_2_1_transformer_blocks_0_attn1_to_q",
             "down_blocks.0.attentions.1.transformer_blocks.0.attn1.to_q.weight"},
            {"down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_out_0",
             "input_blocks_1_1_transformer_blocks_0_attn1_to_out_0",
             "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0.weight"},
            {"down_blocks_0_attentions_0_proj_in",
             "input_blocks_1_1_proj_in",
             "down_blocks.0.attentions.0.proj_in.weight"},
            {"down_blocks_0_attentions_1_proj_in",
             "input_blocks_2_1_proj_in",
             "down_blocks.0.attentions.1.proj_in.weight",
             true}, // 2-D LoRA on a 1x1 conv
            {"down_blocks_0_resnets_1_conv1",
             "input_blocks_2_0_in_layers_2",
             "down_blocks.0.resnets.1.conv1.weight"},
            {"down_blocks_0_resnets_0_time_emb_proj",
             "input_blocks_1_0_emb_layers_1",
             "down_blocks.0.resnets.0.time_emb_proj.weight"},
            {"down_blocks_0_downsamplers_0_conv",
             "input_blocks_3_0_op",
             "down_blocks.0.downsamplers.0.conv.weight"},
            {"up_blocks_0_resnets_2_conv_shortcut",
             "output_blocks_2_0_skip_connection",
             "up_blocks.0.resnets.2.conv_shortcut.weight"},
            {"up_blocks_0_attentions_1_transformer_blocks_0_attn1_to_v",
             "output_blocks_1_1_transformer_blocks_0_attn1_to_v",
             "up_blocks.0.attentions.1.transformer_blocks.0.attn1.to_v.weight"},
            {"up_blocks_0_upsamplers_0_conv",
             "output_blocks_2_2_conv",
             "up_blocks.0.upsamplers.0.conv.weight"},
            {"mid_block_resnets_1_conv2", "middle_block_2_out_layers_3", "mid_block.resnets.1.conv2.weight"},
            {"time_embedding_linear_1", "time_embed_0", "time_embedding.linear_1.weight"},
            {"conv_in", "input_blocks_0_0", "conv_in.weight"},
        };
        Tensors diffusersStyle, ldmStyle;
        std::map<std::string, Factors> factors;
        int64_t rank = 2;
        for (const Case& c : cases) {
            const Factors f =
                makeFactors(unet.at(c.parameter).sizes(), rank, rank % 2 ? 0.0f : rank * 0.5f, c.flatDown);
            factors[c.parameter] = f;
            addKohya(diffusersStyle, "lora_unet_" + c.diffusers, f);
            addKohya(ldmStyle, "lora_unet_" + c.ldm, f);
            rank = rank % 4 + 1;
        }
        const std::string teParameter = "text_model.encoder.layers.0.mlp.fc1.weight";
        const Factors teFactors = makeFactors(te.at(teParameter).sizes(), 3, 1.5f);
        addKohya(diffusersStyle, "lora_te_text_model_encoder_layers_0_mlp_fc1", teFactors);
        addKohya(ldmStyle, "lora_te_text_model_encoder_layers_0_mlp_fc1", teFactors);

        const float strength = 0.7f;
        TensorMap mergedDiffusersStyle;
        for (const auto& [fileName, tensors] : {std::pair{"kohya_diffusers.safetensors", diffusersStyle},
                                                std::pair{"kohya_ldm.safetensors", ldmStyle}}) {
            TensorMap liveUnet = cloneAll(unet);
            TensorMap liveTe = cloneAll(te);
            LoraMerger merger({{LoraComponent::Unet, liveUnet}, {LoraComponent::TextEncoder, liveTe}});
            auto report = merger.add(load(writeLora(dir, fileName, tensors)), strength);
            HDR_VERIFY_OK(report);
            QVERIFY2(report->clean(), report->summary().c_str());
            QCOMPARE(report->applied.at(LoraComponent::Unet), cases.size());
            QCOMPARE(report->applied.at(LoraComponent::TextEncoder), std::size_t(1));
            for (const auto& [name, original] : unet) {
                const auto f = factors.find(name);
                const at::Tensor want = f == factors.end()
                                            ? original
                                            : original + expectedDelta(f->second, original.sizes(), strength);
                QVERIFY2(close(liveUnet.at(name), want), (std::string(fileName) + ": " + name).c_str());
            }
            QVERIFY(
                close(liveTe.at(teParameter),
                      te.at(teParameter) + expectedDelta(teFactors, te.at(teParameter).sizes(), strength)));
            if (mergedDiffusersStyle.empty()) {
                mergedDiffusersStyle = cloneAll(liveUnet);
            } else {
                std::string different;
                QVERIFY2(allEqual(liveUnet, mergedDiffusersStyle, &different), different.c_str());
            }
            QCOMPARE(merger.patchedWeights(), cases.size() + 1);
            merger.restore();
            std::string different;
            QVERIFY2(allEqual(liveUnet, unet, &different), different.c_str());
            QVERIFY2(allEqual(liveTe, te, &different), different.c_str());
        }
    }

    void peftAndOldDiffusersNames()
    {
        QTemporaryDir dir;
        const TensorMap unet = syntheticUnet();
        const TensorMap te = syntheticTextEncoder();
        const std::string toQ = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
        const std::string toK = "down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k";
        const std::string teQ = "text_model.encoder.layers.0.self_attn.q_proj";
        const Factors fq = makeFactors(unet.at(toQ + ".weight").sizes(), 4, 0);
        const Factors fk = makeFactors(unet.at(toK + ".weight").sizes(), 4, 0);
        const Factors ft = makeFactors(te.at(teQ + ".weight").sizes(), 2, 0);
        // PEFT: alpha from the header metadata (unet 8 / rank 4 = scale 2; text encoder 1 / 2),
        // except toK, whose alpha_pattern entry is 2 (scale 0.5).
        const Tensors peft = {
            {"unet." + toQ + ".lora_A.weight", fq.down},
            {"unet." + toQ + ".lora_B.weight", fq.up},
            {"unet." + toK + ".lora_A.weight", fk.down},
            {"unet." + toK + ".lora_B.weight", fk.up},
            {"text_encoder." + teQ + ".lora_A.weight", ft.down},
            {"text_encoder." + teQ + ".lora_B.weight", ft.up},
        };
        const std::string metadata = R"({"unet.lora_alpha": 8, "unet.r": 4,
            "unet.alpha_pattern": {"attn2.to_k": 2}, "text_encoder.lora_alpha": 1, "text_encoder.r": 2})";
        TensorMap liveUnet = cloneAll(unet);
        TensorMap liveTe = cloneAll(te);
        {
            LoraMerger merger({{LoraComponent::Unet, liveUnet}, {LoraComponent::TextEncoder, liveTe}});
            auto report = merger.add(
                load(writeLora(dir, "peft.safetensors", peft, {{"lora_adapter_metadata", metadata}})), 1.0f);
            HDR_VERIFY_OK(report);
            QVERIFY2(report->clean(), report->summary().c_str());
            const auto& q = unet.at(toQ + ".weight");
            const auto& k = unet.at(toK + ".weight");
            const auto& t = te.at(teQ + ".weight");
            QVERIFY(close(liveUnet.at(toQ + ".weight"), q + 2.0 * expectedDelta(fq, q.sizes(), 1.0, false)));
            QVERIFY(close(liveUnet.at(toK + ".weight"), k + 0.5 * expectedDelta(fk, k.sizes(), 1.0, false)));
            QVERIFY(close(liveTe.at(teQ + ".weight"), t + 0.5 * expectedDelta(ft, t.sizes(), 1.0, false)));
            merger.restore();
            QVERIFY(allEqual(liveUnet, unet) && allEqual(liveTe, te));
        }
        // Old attention-processor names (to_out_lora -> to_out.0, CLIP to_q_lora -> q_proj) and
        // the LoRACompatibleLinear form; no alpha anywhere: scale 1.
        const std::string out = "down_blocks.0.attentions.0.transformer_blocks.0.attn1";
        const Factors fo = makeFactors(unet.at(out + ".to_out.0.weight").sizes(), 2, 0);
        const std::string fc1 = "text_model.encoder.layers.0.mlp.fc1";
        const Factors ff = makeFactors(te.at(fc1 + ".weight").sizes(), 2, 0);
        const Tensors old = {
            {out + ".processor.to_out_lora.down.weight", fo.down},
            {out + ".processor.to_out_lora.up.weight", fo.up},
            {"text_encoder.text_model.encoder.layers.0.self_attn.to_q_lora.down.weight", ft.down},
            {"text_encoder.text_model.encoder.layers.0.self_attn.to_q_lora.up.weight", ft.up},
            {"text_encoder." + fc1 + ".lora_linear_layer.down.weight", ff.down},
            {"text_encoder." + fc1 + ".lora_linear_layer.up.weight", ff.up},
        };
        LoraMerger merger({{LoraComponent::Unet, liveUnet}, {LoraComponent::TextEncoder, liveTe}});
        auto report = merger.add(load(writeLora(dir, "old.safetensors", old)), -1.0f);
        HDR_VERIFY_OK(report);
        QVERIFY2(report->clean(), report->summary().c_str());
        const auto& o = unet.at(out + ".to_out.0.weight");
        QVERIFY(close(liveUnet.at(out + ".to_out.0.weight"), o + expectedDelta(fo, o.sizes(), -1.0)));
        const auto& t = te.at(teQ + ".weight");
        QVERIFY(close(liveTe.at(teQ + ".weight"), t + expectedDelta(ft, t.sizes(), -1.0)));
        const auto& f = te.at(fc1 + ".weight");
        QVERIFY(close(liveTe.at(fc1 + ".weight"), f + expectedDelta(ff, f.sizes(), -1.0)));
    }

    // Two LoRAs on overlapping weights add up; changing a strength re-merges; restore is exact.
    // Run in fp32 and in bf16 (where the sum is formed in fp32 and rounded once).
    void twoLorasCompose_data()
    {
        QTest::addColumn<bool>("bf16");
        QTest::newRow("fp32") << false;
        QTest::newRow("bf16") << true;
    }
    void twoLorasCompose()
    {
        QFETCH(bool, bf16);
        QTemporaryDir dir;
        TensorMap unet = syntheticUnet();
        if (bf16) {
            for (auto& [name, tensor] : unet)
                tensor = tensor.to(at::kBFloat16);
        }
        const std::string shared = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight";
        const std::string onlyB = "down_blocks.0.resnets.0.conv1.weight";
        const Factors a = makeFactors(unet.at(shared).sizes(), 4, 2.0f);
        const Factors b1 = makeFactors(unet.at(shared).sizes(), 2, 1.0f);
        const Factors b2 = makeFactors(unet.at(onlyB).sizes(), 3, 3.0f);
        Tensors fileA, fileB;
        addKohya(fileA, "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q", a);
        addKohya(fileB, "lora_unet_input_blocks_1_1_transformer_blocks_0_attn1_to_q", b1);
        addKohya(fileB, "lora_unet_input_blocks_1_0_in_layers_2", b2);
        TensorMap live = cloneAll(unet);
        LoraMerger merger({{LoraComponent::Unet, live}});
        HDR_VERIFY_OK(merger.add(load(writeLora(dir, "a.safetensors", fileA)), 0.5f));
        HDR_VERIFY_OK(merger.add(load(writeLora(dir, "b.safetensors", fileB)), -1.25f));
        QCOMPARE(merger.activeCount(), std::size_t(2));
        const at::Tensor w = unet.at(shared).to(at::kFloat);
        const at::Tensor c = unet.at(onlyB).to(at::kFloat);
        auto check = [&](double sa, double sb) {
            const at::Tensor wantShared =
                w + expectedDelta(a, w.sizes(), sa) + expectedDelta(b1, w.sizes(), sb);
            const at::Tensor wantOnlyB = c + expectedDelta(b2, c.sizes(), sb);
            if (bf16) {
                // Exactly one rounding of the fp32 sum (up to fp32 summation-order noise, which
                // can flip a rounding only at a bf16 tie: allow one bf16 ulp).
                const double ulp = 1.0 / 128;
                return live.at(shared).scalar_type() == at::kBFloat16 &&
                       close(live.at(shared),
                             wantShared.to(at::kBFloat16),
                             ulp * w.abs().max().item<double>()) &&
                       close(live.at(onlyB), wantOnlyB.to(at::kBFloat16), ulp * c.abs().max().item<double>());
            }
            return close(live.at(shared), wantShared) && close(live.at(onlyB), wantOnlyB);
        };
        QVERIFY(check(0.5, -1.25));
        HDR_VERIFY_OK(merger.setStrength(0, 2.0f));
        QVERIFY(check(2.0, -1.25));
        QVERIFY(!merger.setStrength(5, 1.0f));
        QCOMPARE(merger.patchedWeights(), std::size_t(2));
        QCOMPARE(merger.backupBytes(), std::size_t((w.numel() + c.numel()) * (bf16 ? 2 : 4)));
        merger.restore();
        std::string different;
        QVERIFY2(allEqual(live, unet, &different), different.c_str());
        QCOMPARE(merger.activeCount(), std::size_t(0));
    }

    void unknownAndUnsupportedKeysAreReported()
    {
        QTemporaryDir dir;
        const TensorMap unet = syntheticUnet();
        Tensors tensors;
        const Factors good = makeFactors(unet.at("conv_out.weight").sizes(), 2, 1.0f);
        addKohya(tensors, "lora_unet_conv_out", good);
        addKohya(tensors, "lora_unet_down_blocks_0_attentions_0_no_such_layer", makeFactors({8, 8}, 2, 1.0f));
        tensors.emplace_back("unet.up_blocks.9.attentions.0.proj_out.lora_A.weight", at::randn({2, 8}));
        tensors.emplace_back("unet.up_blocks.9.attentions.0.proj_out.lora_B.weight", at::randn({8, 2}));
        tensors.emplace_back("lora_unet_conv_in.hada_w1_a", at::randn({8, 2}));
        tensors.emplace_back("lora_unet_conv_in.hada_w1_b", at::randn({2, 36}));
        tensors.emplace_back("lora_unet_time_embedding_linear_1.lora_down.weight", at::randn({2, 8}));
        tensors.emplace_back("lora_unet_mid_block_resnets_1_conv2.alpha", at::scalar_tensor(4.0));
        tensors.emplace_back("model.diffusion_model.out.2.weight", at::randn({4, 8, 3, 3}));
        addKohya(
            tensors, "lora_te2_text_model_encoder_layers_0_self_attn_q_proj", makeFactors({12, 12}, 2, 1.0f));
        tensors.emplace_back("lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight",
                             at::randn({2, 8, 3, 3}));
        tensors.emplace_back("lora_unet_down_blocks_0_resnets_0_conv1.lora_up.weight",
                             at::randn({8, 2, 1, 1}));
        tensors.emplace_back("lora_unet_down_blocks_0_resnets_0_conv1.dora_scale", at::randn({8, 1, 1, 1}));

        TensorMap live = cloneAll(unet);
        LoraMerger merger({{LoraComponent::Unet, live}});
        auto report = merger.add(load(writeLora(dir, "messy.safetensors", tensors)), 1.0f);
        HDR_VERIFY_OK(report);
        QVERIFY(!report->clean());
        QCOMPARE(report->appliedTotal(), std::size_t(1));
        QVERIFY(report->unknownKeys == std::vector<std::string>{"model.diffusion_model.out.2.weight"});
        QCOMPARE(report->unsupportedKeys.size(), std::size_t(5));
        QVERIFY(report->unsupportedKeys.front().find("(LoHa)") != std::string::npos);
        QVERIFY(report->unsupportedKeys.back().find("(DoRA)") != std::string::npos);
        QVERIFY2(report->incompleteLayers ==
                     (std::vector<std::string>{"lora_unet_mid_block_resnets_1_conv2 (alpha only)",
                                               "lora_unet_time_embedding_linear_1 (no up)"}),
                 report->summary().c_str());
        QVERIFY2(report->unmatchedLayers ==
                     (std::vector<std::string>{"lora_unet_down_blocks_0_attentions_0_no_such_layer (UNet)",
                                               "unet.up_blocks.9.attentions.0.proj_out (UNet)"}),
                 report->summary().c_str());
        QCOMPARE(report->skippedComponents.size(), std::size_t(1));
        QVERIFY(report->skippedComponents[0].find("text encoder 2 (1 layers") != std::string::npos);
        const std::string summary = report->summary();
        QVERIFY(summary.find("applied 1") != std::string::npos);
        QVERIFY(summary.find("model.diffusion_model.out.2.weight") != std::string::npos);
        // The supported layer was applied, the DoRA one (down/up + dora_scale) was not.
        const auto& w = unet.at("conv_out.weight");
        QVERIFY(close(live.at("conv_out.weight"), w + expectedDelta(good, w.sizes(), 1.0)));
        QVERIFY(at::equal(live.at("down_blocks.0.resnets.0.conv1.weight"),
                          unet.at("down_blocks.0.resnets.0.conv1.weight")));
    }

    void wrongArchitectureIsAnError()
    {
        QTemporaryDir dir;
        const TensorMap unet = syntheticUnet();
        Tensors tensors;
        // An SD 1.5-sized attention LoRA (768-dim context) on our 12-dim cross-attention.
        addKohya(tensors,
                 "lora_unet_down_blocks_0_attentions_1_transformer_blocks_0_attn2_to_k",
                 makeFactors({8, 768}, 4, 4.0f));
        addKohya(tensors, "lora_unet_conv_out", makeFactors(unet.at("conv_out.weight").sizes(), 2, 1.0f));
        TensorMap live = cloneAll(unet);
        LoraMerger merger({{LoraComponent::Unet, live}});
        auto result = merger.add(load(writeLora(dir, "sd15.safetensors", tensors)), 1.0f);
        QVERIFY(!result);
        const std::string message = result.error().describe();
        QVERIFY2(message.find("does not fit the model") != std::string::npos, message.c_str());
        QVERIFY2(message.find("[8,768]") != std::string::npos && message.find("[8,12]") != std::string::npos,
                 message.c_str());
        QVERIFY2(message.find("sd15.safetensors") != std::string::npos, message.c_str());
        QVERIFY(allEqual(live, unet)); // nothing was merged, not even the fitting layer
        QCOMPARE(merger.activeCount(), std::size_t(0));

        // Nothing matches at all (an SDXL text-encoder-2-only LoRA on an SD 1.5 UNet).
        Tensors te2Only;
        addKohya(
            te2Only, "lora_te2_text_model_encoder_layers_0_self_attn_q_proj", makeFactors({12, 12}, 2, 1.0f));
        result = merger.add(load(writeLora(dir, "te2.safetensors", te2Only)), 1.0f);
        QVERIFY(!result);
        QVERIFY2(result.error().message.find("none of the 1 LoRA layers") != std::string::npos,
                 result.error().message.c_str());

        // Not a LoRA at all.
        auto notLora = loadLoraFile(writeLora(
            dir, "model.safetensors", {{"model.diffusion_model.out.2.weight", at::randn({4, 8, 3, 3})}}));
        QVERIFY(!notLora);
        QVERIFY2(notLora.error().message.find("no LoRA layers found") != std::string::npos,
                 notLora.error().message.c_str());
        // Inconsistent factors inside the file.
        auto badRank = loadLoraFile(writeLora(dir,
                                              "bad.safetensors",
                                              {{"lora_unet_conv_out.lora_down.weight", at::randn({3, 8})},
                                               {"lora_unet_conv_out.lora_up.weight", at::randn({4, 2})}}));
        QVERIFY(!badRank);
        QVERIFY2(badRank.error().message.find("disagree on the rank") != std::string::npos,
                 badRank.error().message.c_str());
    }

    // The tiny oracle models: kohya LDM-style and diffusers-style and PEFT names on the real
    // tiny-sd15 UNet + CLIP and the tiny-sdxl UNet + both text encoders.
    void tinyModels()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sdxl/text_encoder_2.safetensors");
        HDR_REQUIRE_SHARED("oracle/models/tiny-sd15/text_encoder.safetensors");
        QTemporaryDir dir;
        for (const std::string model : {"tiny-sd15", "tiny-sdxl"}) {
            const bool xl = model == "tiny-sdxl";
            const std::string base = "oracle/models/" + model + "/";
            const TensorMap unet = loadShared(base + "unet.safetensors");
            const TensorMap te = loadShared(base + "text_encoder.safetensors");
            TensorMap te2;
            if (xl) te2 = loadShared(base + "text_encoder_2.safetensors");
            // attention level: SD 1.5 tiny has attention on level 0, SDXL tiny on levels 1, 2.
            const std::string attnDiffusers =
                xl ? "down_blocks.1.attentions.1" : "down_blocks.0.attentions.1";
            const std::string attnLdm = xl ? "input_blocks_5_1" : "input_blocks_2_1";
            const std::string q = attnDiffusers + ".transformer_blocks.0.attn2.to_k.weight";
            const std::string proj = attnDiffusers + ".proj_in.weight";
            const std::string resnet = "up_blocks.0.resnets.2.conv1.weight";
            const std::string teQ = "text_model.encoder.layers.0.self_attn.q_proj.weight";
            const Factors fq = makeFactors(unet.at(q).sizes(), 4, 1.0f);
            const Factors fp = makeFactors(unet.at(proj).sizes(), 2, 0.0f);
            const Factors fr = makeFactors(unet.at(resnet).sizes(), 3, 1.5f);
            const Factors ft = makeFactors(te.at(teQ).sizes(), 2, 2.0f);
            Tensors kohya;
            addKohya(kohya, "lora_unet_" + attnLdm + "_transformer_blocks_0_attn2_to_k", fq);
            addKohya(kohya, "lora_unet_" + flattenModulePath(attnDiffusers) + "_proj_in", fp);
            addKohya(kohya, "lora_unet_output_blocks_2_0_in_layers_2", fr);
            addKohya(kohya,
                     xl ? "lora_te1_text_model_encoder_layers_0_self_attn_q_proj"
                        : "lora_te_text_model_encoder_layers_0_self_attn_q_proj",
                     ft);
            Factors ft2;
            if (xl) {
                ft2 = makeFactors(te2.at(teQ).sizes(), 2, 2.0f);
                addKohya(kohya, "lora_te2_text_model_encoder_layers_0_self_attn_q_proj", ft2);
            }
            const Factors fpeft = makeFactors(unet.at(q).sizes(), 2, 0.0f);
            const Tensors peft = {
                {"unet." + q.substr(0, q.size() - 7) + ".lora_A.weight", fpeft.down},
                {"unet." + q.substr(0, q.size() - 7) + ".lora_B.weight", fpeft.up},
            };

            TensorMap liveUnet = cloneAll(unet), liveTe = cloneAll(te), liveTe2 = cloneAll(te2);
            std::map<LoraComponent, TensorMap> targets = {{LoraComponent::Unet, liveUnet},
                                                          {LoraComponent::TextEncoder, liveTe}};
            if (xl) targets[LoraComponent::TextEncoder2] = liveTe2;
            LoraMerger merger(targets);
            auto report = merger.add(load(writeLora(dir, model + "_kohya.safetensors", kohya)), 0.8f);
            HDR_VERIFY_OK(report);
            QVERIFY2(report->clean(), report->summary().c_str());
            QCOMPARE(report->appliedTotal(), std::size_t(xl ? 5 : 4));
            auto peftReport = merger.add(load(writeLora(dir, model + "_peft.safetensors", peft)), 0.3f);
            HDR_VERIFY_OK(peftReport);
            QVERIFY2(peftReport->clean(), peftReport->summary().c_str());

            const auto& wq = unet.at(q);
            QVERIFY(close(liveUnet.at(q),
                          wq + expectedDelta(fq, wq.sizes(), 0.8) + expectedDelta(fpeft, wq.sizes(), 0.3)));
            QVERIFY(close(liveUnet.at(proj), unet.at(proj) + expectedDelta(fp, unet.at(proj).sizes(), 0.8)));
            QVERIFY(close(liveUnet.at(resnet),
                          unet.at(resnet) + expectedDelta(fr, unet.at(resnet).sizes(), 0.8)));
            QVERIFY(close(liveTe.at(teQ), te.at(teQ) + expectedDelta(ft, te.at(teQ).sizes(), 0.8)));
            if (xl)
                QVERIFY(close(liveTe2.at(teQ), te2.at(teQ) + expectedDelta(ft2, te2.at(teQ).sizes(), 0.8)));
            merger.restore();
            QVERIFY(allEqual(liveUnet, unet) && allEqual(liveTe, te) && allEqual(liveTe2, te2));
        }
    }

    // The real module: LoRA merged into a UNet2DConditionModel's live parameters changes its
    // output exactly as the expected weights do, and restore() gives the original output back.
    void unetModule()
    {
        HDR_REQUIRE_SHARED("oracle/models/tiny-sd15/unet_config.json");
        const std::string base = "oracle/models/tiny-sd15/";
        std::ifstream configFile(hdr::test::sharedPath(base + "unet_config.json"));
        auto config = UNetConfig::fromJson(nlohmann::json::parse(configFile));
        HDR_VERIFY_OK(config);
        const TensorMap weights = loadShared(base + "unet.safetensors");
        auto makeUnet = [&](const TensorMap& values) {
            UNet2DConditionModel unet(*config, at::TensorOptions(at::kFloat));
            at::NoGradGuard noGrad;
            for (auto& [name, parameter] : parametersOf(*unet))
                parameter.copy_(values.at(name));
            return unet;
        };
        UNet2DConditionModel unet = makeUnet(weights);
        QCOMPARE(parametersOf(*unet).size(), weights.size());
        const at::Tensor sample = at::randn({1, 4, 8, 8});
        const at::Tensor timestep = at::scalar_tensor(10.0);
        const at::Tensor context = at::randn({1, 6, config->crossAttentionDim});
        at::NoGradGuard noGrad;
        const at::Tensor before = unet->forward(sample, timestep, context);

        QTemporaryDir dir;
        const std::string q = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_q.weight";
        const std::string conv = "up_blocks.1.resnets.0.conv1.weight";
        const Factors fq = makeFactors(weights.at(q).sizes(), 4, 2.0f);
        const Factors fc = makeFactors(weights.at(conv).sizes(), 2, 1.0f);
        Tensors tensors;
        addKohya(tensors, "lora_unet_input_blocks_1_1_transformer_blocks_0_attn2_to_q", fq);
        addKohya(tensors, "lora_unet_up_blocks_1_resnets_0_conv1", fc);
        LoraMerger merger({{LoraComponent::Unet, parametersOf(*unet)}});
        auto report = merger.add(load(writeLora(dir, "module.safetensors", tensors)), 0.9f);
        HDR_VERIFY_OK(report);
        QCOMPARE(report->appliedTotal(), std::size_t(2));
        const at::Tensor merged = unet->forward(sample, timestep, context);

        TensorMap expected = weights;
        expected[q] = weights.at(q) + expectedDelta(fq, weights.at(q).sizes(), 0.9);
        expected[conv] = weights.at(conv) + expectedDelta(fc, weights.at(conv).sizes(), 0.9);
        const at::Tensor reference = makeUnet(expected)->forward(sample, timestep, context);
        QVERIFY(!at::allclose(merged, before, 1e-4, 1e-4));
        QVERIFY(close(merged, reference, 1e-4));
        merger.restore();
        QVERIFY(at::equal(unet->forward(sample, timestep, context), before));
    }
};

HDR_TEST_MAIN(TestLora)
#include "tst_lora.moc"
