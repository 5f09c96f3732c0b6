#pragma once
// The data-driven conformance runner's shared parts. A case is one safetensors file of the oracle
// (../shared/oracle/README.md): `in.*` tensors to feed, `out.*` tensors to match, the case JSON in
// cases.json. Each kind ("tokenizer", "text_encoder", "unet", "vae", "scheduler",
// "pipeline_txt2img", "pipeline_img2img") has one runner function, registered from its own file
// (oracle_<kind>.cpp) with HDR_ORACLE_KIND. A case whose kind has no runner fails.
#include "diffusion/SafetensorsTorch.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace hdr::test::oracle {

struct OracleCase {
    std::string name;
    std::string kind;
    nlohmann::json meta;             // this case's entry of cases.json
    std::filesystem::path casesDir;  // HDR_ORACLE_CASES
    std::filesystem::path modelsDir; // HDR_ORACLE_MODELS, default casesDir/../models
    std::shared_ptr<diffusion::SafetensorsFile> file;
    // The modules' weight type. bf16 runs (tst_oracle's runCaseBf16) check the fp32 references
    // with OracleReport's relative bound instead of the README's absolute tolerances.
    at::ScalarType dtype = at::kFloat;
    // Every tensor the runner read; tst_oracle fails a case whose file holds an out.* tensor that
    // was never read (so an expected output cannot be silently left unchecked).
    std::shared_ptr<std::set<std::string>> read = std::make_shared<std::set<std::string>>();

    bool has(const std::string& tensor) const;
    at::Tensor tensor(const std::string& tensor) const; // throws std::runtime_error when absent
    // The model folder of this case's "family" (e.g. models/tiny-sd15).
    std::filesystem::path familyDir() const;
};

// Collects every mismatch of a case rather than stopping at the first.
class OracleReport {
public:
    // |actual - expected| <= atol + rtol*|expected| everywhere, shapes equal; with a relative
    // bound set, max|actual - expected| <= bound * max|expected| instead (reduced precision).
    void expectClose(const std::string& what,
                     const at::Tensor& actual,
                     const at::Tensor& expected,
                     double atol,
                     double rtol = 0.0);
    void expectEqual(const std::string& what, const at::Tensor& actual, const at::Tensor& expected);
    void setRelativeBound(double bound) { m_relativeBound = bound; }
    double worstRelative() const { return m_worstRelative; }
    void fail(const std::string& message) { m_failures.push_back(message); }
    void note(const std::string& message) { m_notes.push_back(message); }

    const std::vector<std::string>& failures() const { return m_failures; }
    const std::vector<std::string>& notes() const { return m_notes; }
    int checks() const { return m_checks; }

private:
    std::vector<std::string> m_failures;
    std::vector<std::string> m_notes;
    int m_checks = 0;
    double m_relativeBound = 0.0;
    double m_worstRelative = 0.0;
};

using OracleRunner = std::function<void(const OracleCase&, OracleReport&)>;
std::map<std::string, OracleRunner>& oracleRunners();

struct OracleRegistration {
    OracleRegistration(const char* kind, OracleRunner runner) { oracleRunners()[kind] = std::move(runner); }
};

#define HDR_ORACLE_CONCAT2(a, b) a##b
#define HDR_ORACLE_CONCAT(a, b) HDR_ORACLE_CONCAT2(a, b)
// HDR_ORACLE_KIND("unet", runUnetCase); at namespace scope in oracle_<kind>.cpp.
#define HDR_ORACLE_KIND(kind, fn)                                                                            \
    static const ::hdr::test::oracle::OracleRegistration HDR_ORACLE_CONCAT(hdrOracleReg_, __LINE__)(kind, fn)

// Where the cases live: $HDR_ORACLE_CASES (folders separated by ':'), else ../shared/oracle/public and
// ../shared/oracle/public2 (those present); empty if none exists.
std::vector<std::filesystem::path> oracleCaseDirs();
std::filesystem::path oracleModelsDir(const std::filesystem::path& casesDir);

} // namespace hdr::test::oracle
