// The batch config and `generate` share one vocabulary (core/batch/BatchConfig.h
// generationKeys()): every shared key means the same setting with the same kind and range in both
// specs, and the runner's request carries the config's values.
#include "batch/BatchConfig.h"
#include "batch/BatchSession.h"
#include "generate/GenerateRequest.h"
#include "support/TestSupport.h"

using namespace hdr;

class TestBatchGenerationKeys : public QObject {
    Q_OBJECT

private slots:
    void sharedKeysMatchGenerate()
    {
        const auto& batchSpec = batch::batchConfigSpec();
        const auto& generateSpec = diffusion::generateRequestSpec();
        for (const batch::SharedKey& key : batch::generationKeys()) {
            const auto* ours = batchSpec.find(key.batchKey);
            const auto* theirs = generateSpec.find(key.generateKey);
            QVERIFY2(ours && theirs, key.batchKey);
            // The sampler list lives with the samplers (libtorch side): the batch spec takes the
            // name as text and the runner checks it through generate's spec before loading anything.
            const bool freeTextForChoice = ours->info.kind == spec::SettingKind::Text &&
                                           theirs->info.kind == spec::SettingKind::Choice &&
                                           ours->info.choices.empty();
            if (!freeTextForChoice) {
                QCOMPARE(int(ours->info.kind), int(theirs->info.kind));
                QVERIFY2(ours->info.choices == theirs->info.choices, key.batchKey);
            }
            QVERIFY2(ours->info.min == theirs->info.min && ours->info.max == theirs->info.max, key.batchKey);
            QCOMPARE(ours->info.multipleOf, theirs->info.multipleOf);
            // Same default, so a key left out of the config behaves as in generate.
            QVERIFY2(batchSpec.defaultValue(key.batchKey) == generateSpec.defaultValue(key.generateKey),
                     key.batchKey);
        }
        QVERIFY(generateSpec.info("sampler").choices.size() > 3);
    }

    void requestCarriesTheConfig()
    {
        batch::BatchConfig config;
        config.model = "/models/m.safetensors";
        config.sampler = "euler_a";
        config.steps = 31;
        config.cfg = 4.5;
        config.width = 832;
        config.height = 1216;
        config.vaeTile = 512;
        config.offload = true;
        config.modelConfig = "/configs";
        config.refinerSwitch = 0.7;
        auto request = batch::generationRequestOf(config);
        HDR_VERIFY_OK(request);
        QCOMPARE(request->model.string(), std::string("/models/m.safetensors"));
        QCOMPARE(request->configDir.string(), std::string("/configs"));
        QCOMPARE(request->sampler, std::string("euler_a"));
        QCOMPARE(request->steps, 31);
        QCOMPARE(request->cfg, 4.5);
        QCOMPARE(request->width, 832);
        QCOMPARE(request->height, 1216);
        QCOMPARE(request->vaeTile, 512);
        QVERIFY(request->offload);
        QCOMPARE(request->refinerSwitch, 0.7);
        QCOMPARE(request->batchCount, 1);
        QVERIFY(request->refiner.empty());
    }
};

HDR_TEST_MAIN(TestBatchGenerationKeys)
#include "tst_batch_generation_keys.moc"
