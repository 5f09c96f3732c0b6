// Oracle kind "tokenizer": tok(prompts, padding="max_length", max_length=77, truncation=True) for
// the family's tokenizer/ (and tokenizer_2/ for SDXL) must give exactly the stored ids.
#include "OracleHarness.h"
#include "diffusion/text/ClipTokenizer.h"

#include <stdexcept>

namespace {

using namespace hdr::test::oracle;
using hdr::diffusion::ClipTokenizer;

at::Tensor idsTensor(const std::vector<int64_t>& ids)
{
    return at::tensor(at::ArrayRef<int64_t>(ids), at::kLong);
}

void runTokenizerCase(const OracleCase& c, OracleReport& report)
{
    const auto prompts = c.meta.at("prompts").get<std::vector<std::string>>();
    for (const std::string folder : {"tokenizer", "tokenizer_2"}) {
        if (!c.has(folder + ".input_ids")) continue;
        auto tokenizer = ClipTokenizer::load(c.familyDir() / folder);
        if (!tokenizer) throw std::runtime_error(tokenizer.error().describe());
        std::vector<at::Tensor> ids, masks;
        for (std::size_t i = 0; i < prompts.size(); ++i) {
            const auto encoded = tokenizer->encodePadded(prompts[i], 77);
            ids.push_back(idsTensor(encoded.inputIds));
            masks.push_back(idsTensor(encoded.attentionMask));
            report.expectEqual(folder + ".untruncated_ids." + std::to_string(i),
                               idsTensor(encoded.untruncatedIds),
                               c.tensor(folder + ".untruncated_ids." + std::to_string(i)));
        }
        report.expectEqual(folder + ".input_ids", at::stack(ids), c.tensor(folder + ".input_ids"));
        report.expectEqual(
            folder + ".attention_mask", at::stack(masks), c.tensor(folder + ".attention_mask"));
    }
}

} // namespace

HDR_ORACLE_KIND("tokenizer", runTokenizerCase);
