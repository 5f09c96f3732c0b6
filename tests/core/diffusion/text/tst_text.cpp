// core/diffusion/text on data the test makes: a tiny byte-level BPE vocabulary (tokenizer edge
// cases), the A1111 emphasis parser with A1111's documented weights, chunking, meta-device
// parameter counts of the full-size encoders, and the conditioning shapes/rules on tiny random
// encoders. The bit-exact comparisons with transformers/diffusers are the oracle kinds
// "tokenizer" and "text_encoder" (tst_oracle).
#include "diffusion/TorchRuntime.h"
#include "diffusion/text/ClipTextModel.h"
#include "diffusion/text/ClipTokenizer.h"
#include "diffusion/text/PromptParser.h"
#include "diffusion/text/TextConditioning.h"
#include "diffusion/text/UnicodeText.h"
#include "support/TestSupport.h"

#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <QtTest>

using namespace hdr::diffusion;

namespace {

// bytes_to_unicode() symbol of each byte, as UTF-8.
std::string byteSymbol(int b)
{
    static std::vector<std::string> symbols = [] {
        std::vector<std::string> s(256);
        int next = 0;
        for (int i = 0; i < 256; ++i) {
            const bool printable =
                (i >= '!' && i <= '~') || (i >= 0xA1 && i <= 0xAC) || (i >= 0xAE && i <= 0xFF);
            unicode::appendUtf8(s[static_cast<std::size_t>(i)],
                                printable ? char32_t(i) : char32_t(256 + next++));
        }
        return s;
    }();
    return symbols[static_cast<std::size_t>(b)];
}

// Vocabulary laid out like CLIP's: 256 byte symbols, the same with </w>, merges, BOS, EOS.
const std::vector<std::pair<std::string, std::string>> kMerges = {
    {"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o</w>"}, {"'", "s</w>"}};

ClipTokenizer makeTokenizer(bool exclamationPad = false)
{
    nlohmann::json vocab = nlohmann::json::object();
    int64_t id = 0;
    // Printable bytes first, as in bytes_to_unicode()'s order ("!" = 0, as in the real vocab).
    std::vector<int> order;
    for (int b = 0; b < 256; ++b)
        if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))
            order.push_back(b);
    for (int b = 0; b < 256; ++b)
        if (!((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)))
            order.push_back(b);
    for (int b : order)
        vocab[byteSymbol(b)] = id++;
    for (int b : order)
        vocab[byteSymbol(b) + "</w>"] = id++;
    std::string merges = "#version: 0.2\n";
    for (const auto& [a, b] : kMerges) {
        vocab[a + b] = id++;
        merges += a + " " + b + "\n";
    }
    vocab["<|startoftext|>"] = id++;
    vocab["<|endoftext|>"] = id++;
    ClipSpecialTokens special;
    if (exclamationPad) {
        special.pad = "!";
        special.added.push_back(ClipAddedToken{"!", 0, false, false});
    }
    auto tokenizer = ClipTokenizer::fromContents(vocab.dump(), merges, special, "test vocab");
    if (!tokenizer) qFatal("%s", tokenizer.error().describe().c_str());
    return std::move(*tokenizer);
}

std::vector<std::string> repeatWords(const std::string& word, int count)
{
    return std::vector<std::string>(static_cast<std::size_t>(count), word);
}

std::string join(const std::vector<std::string>& words, const std::string& separator = " ")
{
    std::string out;
    for (const auto& w : words)
        out += (out.empty() ? "" : separator) + w;
    return out;
}

ClipTextConfig tinyConfig(int64_t vocab, int64_t hidden, int64_t projection)
{
    ClipTextConfig c;
    c.vocabSize = vocab;
    c.hiddenSize = hidden;
    c.intermediateSize = hidden * 2 + 1;
    c.numLayers = 3;
    c.numHeads = 2;
    c.projectionDim = projection;
    c.hiddenAct = projection > 0 ? ClipActivation::Gelu : ClipActivation::QuickGelu;
    return c;
}

ClipTextModel randomModel(const ClipTextConfig& config, uint64_t seed)
{
    ClipTextModel model(config, at::TensorOptions().dtype(at::kFloat));
    at::manual_seed(seed);
    c10::NoGradGuard noGrad;
    for (auto& p : model->parameters())
        p.normal_(0.0, 0.3);
    return model;
}

} // namespace

class TestText : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { configureTorch(2); }

    void unicodeOperations()
    {
        using unicode::decodeUtf8;
        using unicode::encodeUtf8;
        // Final_Sigma only at a word end after a cased letter; U+0130 lowers to two code points.
        QCOMPARE(encodeUtf8(unicode::pythonLower(decodeUtf8("ΟΔΟΣ ΣΑ"))), std::string("οδος σα"));
        QCOMPARE(encodeUtf8(unicode::pythonLower(decodeUtf8("İ"))), std::string("i\xCC\x87"));
        // NFC: Hangul L+V+T composes; combining marks are reordered (ogonek 202 before acute 230).
        QCOMPARE(unicode::nfc(U"\u1100\u1161\u11A8"), std::u32string(U"\uAC01"));
        QCOMPARE(unicode::nfc(U"a\u0301\u0328"), std::u32string(U"\u0105\u0301"));
        QCOMPARE(unicode::nfc(U"e\u0301"), std::u32string(U"\u00E9"));
        QCOMPARE(unicode::nfc(U"\u212B"), std::u32string(U"\u00C5")); // singleton decomposition
        QVERIFY(unicode::isRegexLetter(U'ж') && !unicode::isRegexLetter(U'7'));
        QVERIFY(unicode::isRegexNumber(U'٣') && unicode::isRegexOther(U'!'));
        QVERIFY(!unicode::isRegexLetter(0x345) && !unicode::isRegexOther(0x345) &&
                !unicode::isRegexNumber(0x345));
        QVERIFY(unicode::isControl(0x200B) && unicode::isControl(0xE000) && !unicode::isControl(U'a'));
        // Invalid UTF-8 decodes to U+FFFD per bad byte.
        QCOMPARE(decodeUtf8("a\xFF\xC3"), std::u32string(U"a\uFFFD\uFFFD"));
    }

    void tokenizerBpeAndSplit()
    {
        const ClipTokenizer tok = makeTokenizer();
        QCOMPARE(tok.tokenize("Hello"), (std::vector<std::string>{"hello</w>"}));
        QCOMPARE(tok.tokenize("hellos"), (std::vector<std::string>{"hell", "o", "s</w>"}));
        // Digits one by one; "'s" is its own piece even before more letters.
        QCOMPARE(tok.tokenize("42"), (std::vector<std::string>{"4</w>", "2</w>"}));
        QCOMPARE(tok.tokenize("it's 'sun"),
                 (std::vector<std::string>{"i", "t</w>", "'s</w>", "'s</w>", "u", "n</w>"}));
        // Punctuation runs stay together; letters and punctuation split.
        QCOMPARE(tok.tokenize("a,.b"), (std::vector<std::string>{"a</w>", ",", ".</w>", "b</w>"}));
    }

    void tokenizerNormalisation()
    {
        const ClipTokenizer tok = makeTokenizer();
        QCOMPARE(tok.encode("HELLO\t\x01 hello\n"), tok.encode("hello hello"));
        QCOMPARE(tok.encode("e\xCC\x81"), tok.encode("\xC3\xA9")); // NFC
        QCOMPARE(tok.encode("a\xFF"
                            "b"),
                 tok.encode("ab")); // invalid byte dropped
        QCOMPARE(tok.encode("a\xE2\x80\x83"
                            "b"),
                 tok.encode("a b")); // EM SPACE (Zs) splits words
        // CJK ideographs become words of their own; kana does not.
        auto wordEnds = [&](const std::string& text) {
            int n = 0;
            for (const auto& t : tok.tokenize(text))
                n += t.size() >= 4 && t.compare(t.size() - 4, 4, "</w>") == 0;
            return n;
        };
        QCOMPARE(wordEnds("猫狗"), 2);
        QCOMPARE(wordEnds("ねこ"), 1);
        QCOMPARE(tok.tokenize("猫").size(), std::size_t(3)); // 3 UTF-8 bytes, no merges
    }

    void tokenizerSpecialTokens()
    {
        const ClipTokenizer tok = makeTokenizer();
        const int64_t a = tok.idOf("a</w>"), b = tok.idOf("b</w>");
        QCOMPARE(tok.encode("a<|endoftext|>b"), (std::vector<int64_t>{a, tok.eosId(), b}));
        QCOMPARE(tok.encode("hi!!"),
                 (std::vector<int64_t>{tok.idOf("h"), tok.idOf("i</w>"), tok.idOf("!"), tok.idOf("!</w>")}));
        // SDXL tokenizer_2: "!" is a special token (id 0) and the pad token.
        const ClipTokenizer tok2 = makeTokenizer(true);
        QCOMPARE(tok2.padId(), int64_t(0));
        QCOMPARE(tok2.encode("hi!!"), (std::vector<int64_t>{tok.idOf("h"), tok.idOf("i</w>"), 0, 0}));
        const ClipTokenized padded = tok2.encodePadded("a", 77);
        QCOMPARE(padded.inputIds[2], tok2.eosId());
        QCOMPARE(padded.inputIds[3], int64_t(0));
    }

    void tokenizerPaddingAndTruncation()
    {
        const ClipTokenizer tok = makeTokenizer();
        const ClipTokenized empty = tok.encodePadded("");
        QCOMPARE(empty.inputIds.size(), std::size_t(77));
        QCOMPARE(empty.inputIds[0], tok.bosId());
        QCOMPARE(empty.inputIds[1], tok.eosId());
        QCOMPARE(empty.inputIds[76], tok.padId());
        QCOMPARE(std::accumulate(empty.attentionMask.begin(), empty.attentionMask.end(), int64_t(0)),
                 int64_t(2));
        QCOMPARE(empty.untruncatedIds, (std::vector<int64_t>{tok.bosId(), tok.eosId()}));

        const ClipTokenized longOne = tok.encodePadded(join(repeatWords("a", 100)));
        QCOMPARE(longOne.inputIds.size(), std::size_t(77));
        QCOMPARE(longOne.inputIds[75], tok.idOf("a</w>"));
        QCOMPARE(longOne.inputIds[76], tok.eosId());
        QCOMPARE(std::accumulate(longOne.attentionMask.begin(), longOne.attentionMask.end(), int64_t(0)),
                 int64_t(77));
        QCOMPARE(longOne.untruncatedIds.size(), std::size_t(102));
    }

    void tokenizerLoadErrors()
    {
        auto bad = ClipTokenizer::fromContents("[1,2]", "#version\n", ClipSpecialTokens{}, "bad.json");
        QVERIFY(!bad);
        QCOMPARE(bad.error().where, std::string("bad.json"));
        auto noEos = ClipTokenizer::fromContents(R"({"a": 0})", "", ClipSpecialTokens{}, "v.json");
        QVERIFY(!noEos);
        QVERIFY(noEos.error().message.find("<|startoftext|>") != std::string::npos);
        QVERIFY(!ClipTokenizer::load("/nonexistent/tokenizer"));
    }

    void parser_data()
    {
        QTest::addColumn<QString>("prompt");
        QTest::addColumn<QStringList>("texts");
        QTest::addColumn<QList<double>>("weights");
        // The weights A1111's parse_prompt_attention documents (Python float arithmetic).
        QTest::newRow("plain") << "normal text" << QStringList{"normal text"} << QList<double>{1.0};
        QTest::newRow("round") << "an (important) word" << QStringList{"an ", "important", " word"}
                               << QList<double>{1.0, 1.1, 1.0};
        QTest::newRow("unbalanced") << "(unbalanced" << QStringList{"unbalanced"} << QList<double>{1.1};
        QTest::newRow("escapes") << "\\(literal\\]" << QStringList{"(literal]"} << QList<double>{1.0};
        QTest::newRow("merged") << "(unnecessary)(parens)" << QStringList{"unnecessaryparens"}
                                << QList<double>{1.1};
        QTest::newRow("nested")
            << "a (((house:1.3)) [on] a (hill:0.5), sun, (((sky)))."
            << QStringList{"a ", "house", " ", "on", " a ", "hill", ", sun, ", "sky", "."}
            << QList<double>{1.0, 1.5730000000000004, 1.1, 1.0, 1.1, 0.55, 1.1, 1.4641000000000006, 1.1};
        QTest::newRow("square") << "[[dim]]" << QStringList{"dim"} << QList<double>{1.0 / 1.1 / 1.1};
        QTest::newRow("weight spaces") << "(cat : 0.5 )" << QStringList{"cat "} << QList<double>{0.5};
        QTest::newRow("stray closers") << "a) b] c:1.2)" << QStringList{"a) b] c:1.2)"} << QList<double>{1.0};
        QTest::newRow("empty") << "" << QStringList{""} << QList<double>{1.0};
        QTest::newRow("break") << "a BREAK b" << QStringList{"a", "BREAK", "b"}
                               << QList<double>{1.0, -1.0, 1.0};
        QTest::newRow("not a break") << "aBREAK BREAKING" << QStringList{"aBREAK BREAKING"}
                                     << QList<double>{1.0};
    }

    void parser()
    {
        QFETCH(QString, prompt);
        QFETCH(QStringList, texts);
        QFETCH(QList<double>, weights);
        const auto parsed = parsePromptAttention(prompt.toStdString());
        QCOMPARE(int(parsed.size()), texts.size());
        for (int i = 0; i < texts.size(); ++i) {
            QCOMPARE(QString::fromStdString(parsed[std::size_t(i)].text), texts[i]);
            if (parsed[std::size_t(i)].isBreak)
                QCOMPARE(weights[i], -1.0);
            else
                QCOMPARE(parsed[std::size_t(i)].weight, weights[i]); // exact: same double arithmetic
        }
    }

    void chunking()
    {
        const ClipTokenizer tok = makeTokenizer();
        const int64_t a = tok.idOf("a</w>"), b = tok.idOf("b</w>"), comma = tok.idOf(",</w>");
        // 80 tokens: A1111 makes two chunks, diffusers truncates to one.
        const std::string eighty = join(repeatWords("a", 80));
        auto chunks = chunkPrompt(tok, eighty, PromptStyle::A1111);
        QCOMPARE(chunks.size(), std::size_t(2));
        QCOMPARE(chunks[0].ids[0], tok.bosId());
        QCOMPARE(chunks[0].ids[75], a);
        QCOMPARE(chunks[0].ids[76], tok.eosId());
        QCOMPARE(chunks[1].ids[5], a);
        QCOMPARE(chunks[1].ids[6], tok.eosId());
        QCOMPARE(chunkPrompt(tok, eighty, PromptStyle::Diffusers).size(), std::size_t(1));
        QCOMPARE(chunkPrompt(tok, eighty, PromptStyle::Diffusers)[0].ids, tok.encodePadded(eighty).inputIds);
        // Exactly 75 tokens stay one chunk; an empty prompt is one chunk.
        QCOMPARE(chunkPrompt(tok, join(repeatWords("a", 75)), PromptStyle::A1111).size(), std::size_t(1));
        QCOMPARE(chunkPrompt(tok, "", PromptStyle::A1111)[0].ids, tok.encodePadded("").inputIds);

        // Comma backtracking: 70 a, ",", 10 b -> the b's move to chunk 2 together.
        const std::string withComma = join(repeatWords("a", 70)) + ", " + join(repeatWords("b", 10));
        chunks = chunkPrompt(tok, withComma, PromptStyle::A1111);
        QCOMPARE(chunks.size(), std::size_t(2));
        QCOMPARE(chunks[0].ids[71], comma);
        QCOMPARE(chunks[0].ids[72], tok.eosId());
        QCOMPARE(chunks[1].ids[1], b);
        QCOMPARE(chunks[1].ids[10], b);
        QCOMPARE(chunks[1].ids[11], tok.eosId());
        ChunkingOptions noBacktrack;
        noBacktrack.commaBacktrack = 0;
        QCOMPARE(chunkPrompt(tok, withComma, PromptStyle::A1111, noBacktrack)[0].ids[75], b);

        // BREAK ends a chunk; weights follow the tokens.
        chunks = chunkPrompt(tok, "(a:1.5) b BREAK [b]", PromptStyle::A1111);
        QCOMPARE(chunks.size(), std::size_t(2));
        QCOMPARE(chunks[0].ids[1], a);
        QCOMPARE(chunks[0].weights[1], 1.5f);
        QCOMPARE(chunks[0].ids[2], b);
        QCOMPARE(chunks[0].weights[2], 1.0f);
        QCOMPARE(chunks[0].ids[3], tok.eosId());
        QCOMPARE(chunks[1].weights[1], float(1.0 / 1.1));
        QCOMPARE(chunks[1].weights[0], 1.0f);
    }

    void configs()
    {
        const auto plain = ClipTextConfig::fromJson(nlohmann::json::parse(
            R"({"architectures":["CLIPTextModel"],"hidden_size":32,"intermediate_size":37,"num_hidden_layers":5,
                "num_attention_heads":4,"vocab_size":1000,"projection_dim":32,"hidden_act":"quick_gelu"})"));
        QCOMPARE(plain.projectionDim, int64_t(0));
        QCOMPARE(plain.headDim(), int64_t(8));
        const auto projected = ClipTextConfig::fromJson(nlohmann::json::parse(
            R"({"architectures":["CLIPTextModelWithProjection"],"hidden_size":64,"num_attention_heads":4,
                "projection_dim":40,"hidden_act":"gelu"})"));
        QCOMPARE(projected.projectionDim, int64_t(40));
        QVERIFY(projected.hiddenAct == ClipActivation::Gelu);
        QVERIFY_THROWS_EXCEPTION(hdr::core::HdrError,
                                 ClipTextConfig::fromJson(nlohmann::json::parse(R"({"hidden_act":"relu"})")));
        QVERIFY_THROWS_EXCEPTION(
            hdr::core::HdrError,
            ClipTextConfig::fromJson(nlohmann::json::parse(R"({"hidden_size":30,"num_attention_heads":4})")));
    }

    void fullSizeOnMetaDevice()
    {
        const auto meta = at::TensorOptions().dtype(at::kFloat).device(at::kMeta);
        const ClipTextModel clipL(ClipTextConfig::clipL(), meta);
        QCOMPARE(parameterCount(*clipL), int64_t(123060480));
        const ClipTextModel bigG(ClipTextConfig::openClipBigG(), meta);
        QCOMPARE(parameterCount(*bigG), int64_t(694659840));
        const auto params = bigG->named_parameters();
        QVERIFY(params.contains("text_model.embeddings.token_embedding.weight"));
        QVERIFY(params.contains("text_model.embeddings.position_embedding.weight"));
        QVERIFY(params.contains("text_model.encoder.layers.31.self_attn.out_proj.bias"));
        QVERIFY(params.contains("text_model.encoder.layers.0.mlp.fc2.weight"));
        QVERIFY(params.contains("text_model.final_layer_norm.bias"));
        QCOMPARE(params["text_projection.weight"].sizes(), (at::IntArrayRef{1280, 1280}));
        QVERIFY(!params.contains("text_projection.bias"));
        QVERIFY(!clipL->named_parameters().contains("text_projection.weight"));
        QCOMPARE(clipL->named_parameters().size(), std::size_t(196));
    }

    void conditioningSd15()
    {
        c10::InferenceMode guard;
        const ClipTokenizer tok = makeTokenizer();
        const ClipTextModel te = randomModel(tinyConfig(int64_t(tok.vocabSize()), 8, 0), 1);
        const TextEncoderSet set{&tok, te.get(), nullptr, nullptr};

        auto plain = encodePrompts(set, {"hello a", "b"}, true, {});
        HDR_VERIFY_OK(plain);
        QCOMPARE(plain->promptEmbeds.sizes(), (at::IntArrayRef{2, 77, 8}));
        QVERIFY(!plain->pooledPromptEmbeds.defined());
        // SD1.5 encodes "" for a missing negative prompt.
        const at::Tensor emptyIds =
            at::tensor(at::ArrayRef<int64_t>(tok.encodePadded("").inputIds), at::kLong).unsqueeze(0);
        const at::Tensor emptyEmbeds = te->forward(emptyIds).lastHiddenState;
        QVERIFY(at::allclose(plain->negativePromptEmbeds[1], emptyEmbeds[0], 1e-6, 1e-6));
        QCOMPARE(QString(nameOf(plain->style)), QStringLiteral("diffusers"));

        // A1111 without emphasis syntax and under 75 tokens = diffusers.
        TextConditioningOptions a1111;
        a1111.style = PromptStyle::A1111;
        auto same = encodePrompts(set, {"hello a", "b"}, false, {}, a1111);
        HDR_VERIFY_OK(same);
        QVERIFY(at::allclose(same->promptEmbeds, plain->promptEmbeds, 1e-5, 1e-6));
        // Long prompt: two chunks; the short negative is padded to two chunks too.
        auto longOne = encodePrompts(set, {join(repeatWords("a", 80))}, true, {std::string("b")}, a1111);
        HDR_VERIFY_OK(longOne);
        QCOMPARE(longOne->chunks, 2);
        QCOMPARE(longOne->promptEmbeds.sizes(), (at::IntArrayRef{1, 154, 8}));
        QCOMPARE(longOne->negativePromptEmbeds.sizes(), (at::IntArrayRef{1, 154, 8}));
        QVERIFY(at::allclose(longOne->negativePromptEmbeds.narrow(1, 77, 77), emptyEmbeds, 1e-5, 1e-6));
        // Emphasis changes the weighted tokens and keeps the chunk's mean.
        auto weighted = encodePrompts(set, {"(hello:1.5) a"}, false, {}, a1111);
        HDR_VERIFY_OK(weighted);
        const at::Tensor unweighted = same->promptEmbeds[0];
        QVERIFY(!at::allclose(weighted->promptEmbeds[0], unweighted, 1e-4, 1e-4));
        QVERIFY(std::abs(weighted->promptEmbeds.mean().item<double>() - unweighted.mean().item<double>()) <
                1e-5);
        // Clip skip: final LN of an earlier layer; out of range is refused.
        TextConditioningOptions skip;
        skip.clipSkip = 1;
        auto skipped = encodePrompts(set, {"b"}, false, {}, skip);
        HDR_VERIFY_OK(skipped);
        const ClipTextOutput full = te->forward(
            at::tensor(at::ArrayRef<int64_t>(tok.encodePadded("b").inputIds), at::kLong).unsqueeze(0));
        QVERIFY(
            at::allclose(skipped->promptEmbeds, te->applyFinalLayerNorm(full.hiddenStates[2]), 1e-5, 1e-6));
        skip.clipSkip = 4;
        QVERIFY(!encodePrompts(set, {"b"}, false, {}, skip));
        QVERIFY(!encodePrompts(set, {"a", "b"}, true, {std::string("x")}));
    }

    void applyEmphasisKeepsMean()
    {
        const at::Tensor z = at::randn({77, 6}) + 0.5;
        at::Tensor w = at::ones({77});
        QVERIFY(at::equal(applyEmphasis(z, w), z));
        w[3] = 1.3;
        const at::Tensor out = applyEmphasis(z, w);
        QVERIFY(std::abs(out.mean().item<double>() - z.mean().item<double>()) < 1e-6);
        const double scale = (z.mean() / (z * w.unsqueeze(-1)).mean()).item<double>();
        QVERIFY(at::allclose(out[3], z[3] * 1.3 * scale, 1e-5, 1e-6));

        // Zero-mean states (untrained encoders): the restore would be 0/0 or amplify rounding
        // noise, so the plain product is kept; all-ones weights stay an exact identity.
        const at::Tensor centred = z - z.mean(-1, true); // every token zero-mean, weighted or not
        QVERIFY(at::equal(applyEmphasis(centred, at::ones({77})), centred));
        QVERIFY(at::allclose(applyEmphasis(centred, w), centred * w.unsqueeze(-1)));
        QVERIFY(applyEmphasis(at::zeros({77, 6}), w).isfinite().all().item<bool>());
        // Batched: each row is its own chunk.
        const at::Tensor batched = applyEmphasis(at::stack({z, centred}), at::stack({w, w}));
        QVERIFY(at::allclose(batched[0], out));
        QVERIFY(at::allclose(batched[1], centred * w.unsqueeze(-1)));
    }

    void conditioningSdxl()
    {
        c10::InferenceMode guard;
        const ClipTokenizer tok = makeTokenizer();
        const ClipTokenizer tok2 = makeTokenizer(true);
        const ClipTextModel te = randomModel(tinyConfig(int64_t(tok.vocabSize()), 8, 0), 2);
        const ClipTextModel te2 = randomModel(tinyConfig(int64_t(tok.vocabSize()), 12, 6), 3);
        const TextEncoderSet set{&tok, te.get(), &tok2, te2.get()};

        auto out = encodePrompts(set, {"hello!"}, true, {});
        HDR_VERIFY_OK(out);
        QCOMPARE(out->promptEmbeds.sizes(), (at::IntArrayRef{1, 77, 20}));
        QCOMPARE(out->pooledPromptEmbeds.sizes(), (at::IntArrayRef{1, 6}));
        // Missing negative + force_zeros_for_empty_prompt: zeros, embeds and pooled.
        QVERIFY(at::equal(out->negativePromptEmbeds, at::zeros({1, 77, 20})));
        QVERIFY(at::equal(out->negativePooledPromptEmbeds, at::zeros({1, 6})));
        // hidden_states[-2] of each encoder without final LN, [CLIP-L | bigG].
        auto ids = [](const ClipTokenizer& t, const std::string& s) {
            return at::tensor(at::ArrayRef<int64_t>(t.encodePadded(s).inputIds), at::kLong).unsqueeze(0);
        };
        const ClipTextOutput o1 = te->forward(ids(tok, "hello!"));
        const ClipTextOutput o2 = te2->forward(ids(tok2, "hello!"));
        QVERIFY(at::allclose(
            out->promptEmbeds, at::cat({o1.hiddenStates[2], o2.hiddenStates[2]}, -1), 1e-5, 1e-6));
        QVERIFY(at::allclose(out->pooledPromptEmbeds, o2.textEmbeds, 1e-5, 1e-6));

        // An explicit "" is encoded; so is a missing one without force_zeros.
        auto explicitEmpty = encodePrompts(set, {"hello!"}, true, {std::string()});
        HDR_VERIFY_OK(explicitEmpty);
        QVERIFY(explicitEmpty->negativePromptEmbeds.abs().sum().item<double>() > 0.0);
        TextConditioningOptions noZeros;
        noZeros.forceZerosForEmptyNegative = false;
        auto encodedEmpty = encodePrompts(set, {"hello!"}, true, {}, noZeros);
        HDR_VERIFY_OK(encodedEmpty);
        QVERIFY(at::allclose(
            encodedEmpty->negativePromptEmbeds, explicitEmpty->negativePromptEmbeds, 1e-6, 1e-6));

        // Clip skip moves the hidden states, not the pooled output.
        TextConditioningOptions skip;
        skip.clipSkip = 1;
        auto skipped = encodePrompts(set, {"hello!"}, false, {}, skip);
        HDR_VERIFY_OK(skipped);
        QVERIFY(at::allclose(
            skipped->promptEmbeds, at::cat({o1.hiddenStates[1], o2.hiddenStates[1]}, -1), 1e-5, 1e-6));
        QVERIFY(at::allclose(skipped->pooledPromptEmbeds, o2.textEmbeds, 1e-5, 1e-6));

        // A1111: 80 words -> two chunks per encoder, pooled from chunk 0.
        TextConditioningOptions a1111;
        a1111.style = PromptStyle::A1111;
        auto longOne = encodePrompts(set, {join(repeatWords("a", 80))}, true, {}, a1111);
        HDR_VERIFY_OK(longOne);
        QCOMPARE(longOne->promptEmbeds.sizes(), (at::IntArrayRef{1, 154, 20}));
        QCOMPARE(longOne->negativePromptEmbeds.sizes(), (at::IntArrayRef{1, 154, 20}));
        QCOMPARE(longOne->pooledPromptEmbeds.sizes(), (at::IntArrayRef{1, 6}));
    }
};

HDR_TEST_MAIN(TestText)
#include "tst_text.moc"
