#include "OracleHarness.h"

#include "support/TestSupport.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace hdr::test::oracle {

bool OracleCase::has(const std::string& tensor) const
{
    return file && file->contains(tensor);
}

at::Tensor OracleCase::tensor(const std::string& tensor) const
{
    auto t = diffusion::loadTensor(file, tensor);
    if (!t) {
        throw std::runtime_error("case " + name + " has no tensor '" + tensor + "'");
    }
    read->insert(tensor);
    return *t;
}

std::filesystem::path OracleCase::familyDir() const
{
    return modelsDir / meta.value("family", std::string());
}

std::map<std::string, OracleRunner>& oracleRunners()
{
    static std::map<std::string, OracleRunner> runners;
    return runners;
}

namespace {

std::string shapeOf(const at::Tensor& t)
{
    std::ostringstream s;
    s << t.sizes();
    return s.str();
}

} // namespace

void OracleReport::expectClose(const std::string& what,
                               const at::Tensor& actualIn,
                               const at::Tensor& expectedIn,
                               double atol,
                               double rtol)
{
    ++m_checks;
    if (!actualIn.defined()) {
        fail(what + ": no output");
        return;
    }
    const at::Tensor actual = actualIn.detach().to(at::kCPU).to(at::kDouble);
    const at::Tensor expected = expectedIn.detach().to(at::kCPU).to(at::kDouble);
    if (actual.sizes() != expected.sizes()) {
        fail(what + ": shape " + shapeOf(actual) + ", expected " + shapeOf(expected));
        return;
    }
    if (actual.numel() == 0) {
        return;
    }
    const at::Tensor diff = (actual - expected).abs();
    if (m_relativeBound > 0.0) {
        const double scale = std::max(expected.abs().max().item<double>(), 1e-30);
        const double relative = diff.max().item<double>() / scale;
        m_worstRelative = std::max(m_worstRelative, std::isnan(relative) ? INFINITY : relative);
        std::ostringstream msg;
        msg << what << ": max |diff| / max |expected| " << relative << " (bound " << m_relativeBound << ")";
        if (relative <= m_relativeBound) {
            note(msg.str());
        } else {
            fail(msg.str());
        }
        return;
    }
    const at::Tensor allowed = atol + rtol * expected.abs();
    const double maxDiff = diff.max().item<double>();
    const bool finite = actual.isfinite().all().item<bool>() == expected.isfinite().all().item<bool>();
    const bool ok = finite && (diff <= allowed).all().item<bool>();
    std::ostringstream msg;
    msg << what << ": max |diff| " << maxDiff << " (atol " << atol << ", rtol " << rtol << ")";
    if (ok) {
        note(msg.str());
    } else {
        const auto worst = (diff - allowed).flatten().argmax().item<std::int64_t>();
        msg << "; worst at flat index " << worst << ": got " << actual.flatten()[worst].item<double>()
            << ", expected " << expected.flatten()[worst].item<double>();
        fail(msg.str());
    }
}

void OracleReport::expectEqual(const std::string& what,
                               const at::Tensor& actualIn,
                               const at::Tensor& expectedIn)
{
    ++m_checks;
    if (!actualIn.defined()) {
        fail(what + ": no output");
        return;
    }
    const at::Tensor actual = actualIn.detach().to(at::kCPU).to(at::kLong);
    const at::Tensor expected = expectedIn.detach().to(at::kCPU).to(at::kLong);
    if (actual.sizes() != expected.sizes()) {
        fail(what + ": shape " + shapeOf(actual) + ", expected " + shapeOf(expected));
        return;
    }
    const auto mismatches = actual.ne(expected).sum().item<std::int64_t>();
    if (mismatches != 0) {
        const auto first = actual.ne(expected).flatten().nonzero()[0][0].item<std::int64_t>();
        fail(what + ": " + std::to_string(mismatches) + " values differ; first at flat index " +
             std::to_string(first) + ": got " + std::to_string(actual.flatten()[first].item<std::int64_t>()) +
             ", expected " + std::to_string(expected.flatten()[first].item<std::int64_t>()));
    } else {
        note(what + ": equal");
    }
}

std::vector<std::filesystem::path> oracleCaseDirs()
{
    std::vector<std::filesystem::path> dirs;
    if (const char* env = std::getenv("HDR_ORACLE_CASES"); env && *env) {
        std::stringstream list(env);
        for (std::string dir; std::getline(list, dir, ':');) {
            if (!dir.empty()) dirs.emplace_back(dir);
        }
        return dirs;
    }
    for (const char* folder : {"oracle/public", "oracle/public2"}) {
        if (haveShared(std::string(folder) + "/cases.json")) {
            dirs.push_back(sharedPath(folder));
        }
    }
    return dirs;
}

std::filesystem::path oracleModelsDir(const std::filesystem::path& casesDir)
{
    if (const char* env = std::getenv("HDR_ORACLE_MODELS"); env && *env) {
        return std::filesystem::path(env);
    }
    const auto beside = casesDir.parent_path() / "models";
    if (std::filesystem::is_directory(beside)) {
        return beside;
    }
    return sharedPath("oracle/models");
}

} // namespace hdr::test::oracle
