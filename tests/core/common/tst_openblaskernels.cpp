// OPENBLAS_CORETYPE selection (common/OpenBlasKernels.h): the decision for each kind of CPU, and on
// this machine that OpenBLAS, loaded after configureThreadingForApp(), runs the chosen kernels and
// multiplies correctly with them.
#include "common/OpenBlasKernels.h"
#include "common/ThreadingSetup.h"
#include "support/TestSupport.h"

#include <dlfcn.h>

#include <cmath>
#include <cstdlib>
#include <vector>

using namespace hdr::core;

namespace {

CpuFeatures avx512Cpu(bool amd)
{
    CpuFeatures cpu;
    cpu.amd = amd;
    cpu.avx512f = cpu.avx512bw = cpu.avx512dq = cpu.avx512vl = cpu.avx512cd = true;
    return cpu;
}

} // namespace

class TestOpenBlasKernels : public QObject {
    Q_OBJECT
private slots:
    void choosesSkylakeXOnlyForAmdAvx512()
    {
        QCOMPARE(openBlasCoreTypeFor(avx512Cpu(true)), std::string("SKYLAKEX"));
        // Intel AVX-512 cores are known to OpenBLAS by model: its choice stands.
        QCOMPARE(openBlasCoreTypeFor(avx512Cpu(false)), std::string());
        // Without every subset the SkylakeX kernels use, forcing them would fault.
        CpuFeatures partial = avx512Cpu(true);
        partial.avx512bw = false;
        QCOMPARE(openBlasCoreTypeFor(partial), std::string());
        QCOMPARE(openBlasCoreTypeFor(CpuFeatures{}), std::string());
        CpuFeatures amdAvx2;
        amdAvx2.amd = true;
        QCOMPARE(openBlasCoreTypeFor(amdAvx2), std::string());
    }

    void loadedOpenBlasRunsTheChosenKernelsAndMultipliesCorrectly()
    {
        // The environment's own OPENBLAS_CORETYPE (some machines set one because older OpenBLAS
        // builds fail on their CPUs) is the user's choice: it must survive, and is not changed here.
        const char* before = std::getenv("OPENBLAS_CORETYPE");
        const std::string userChoice = before != nullptr ? before : "";
        QVERIFY2(!openBlasLoaded(), "this test must load OpenBLAS itself, after the set-up");
        const ThreadingSetup setup = configureThreadingForApp(nullptr);
        const std::string chosen = userChoice.empty() ? openBlasCoreTypeFor(detectCpuFeatures()) : "";
        QCOMPARE(setup.openBlasCoreType, chosen);
        const char* after = std::getenv("OPENBLAS_CORETYPE");
        QCOMPARE(std::string(after != nullptr ? after : ""), userChoice.empty() ? chosen : userChoice);

        // libopenblas0 (the -openmp flavour) is a mandatory dependency (README, packaging/).
        void* blas = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_GLOBAL);
        QVERIFY2(blas != nullptr, dlerror());
        QVERIFY(openBlasLoaded());
        // openblas_get_corename() spells the core as OPENBLAS_CORETYPE does, in another case.
        const std::string expected = userChoice.empty() ? chosen : userChoice;
        const QString core = QString::fromStdString(loadedOpenBlasCoreName());
        QVERIFY(!core.isEmpty());
        if (!expected.empty()) {
            QCOMPARE(core.toLower(), QString::fromStdString(expected).toLower());
        }

        // C = A·B with the kernels just chosen (row-major, 96 x 80 x 72), against a plain loop.
        using Sgemm = void (*)(
            int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
        auto sgemm = reinterpret_cast<Sgemm>(dlsym(blas, "cblas_sgemm"));
        QVERIFY(sgemm != nullptr);
        constexpr int m = 96, k = 80, n = 72;
        constexpr int rowMajor = 101, noTrans = 111; // CBLAS enum values
        std::vector<float> a(m * k), b(k * n), c(m * n, 0.0f);
        for (int i = 0; i < m * k; ++i) {
            a[i] = std::sin(0.37f * float(i));
        }
        for (int i = 0; i < k * n; ++i) {
            b[i] = std::cos(0.11f * float(i));
        }
        sgemm(rowMajor, noTrans, noTrans, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n);
        double worst = 0.0;
        for (int i = 0; i < m; ++i) {
            for (int j = 0; j < n; ++j) {
                double sum = 0.0;
                for (int p = 0; p < k; ++p) {
                    sum += double(a[i * k + p]) * double(b[p * n + j]);
                }
                worst = std::max(worst, std::abs(sum - double(c[i * n + j])));
            }
        }
        // 80 products of magnitude <= 1 in fp32: a few ulps of 80 at most.
        QVERIFY2(worst < 1e-4, qPrintable(QString("max |error| %1").arg(worst)));
    }
};

HDR_TEST_MAIN(TestOpenBlasKernels)
#include "tst_openblaskernels.moc"
