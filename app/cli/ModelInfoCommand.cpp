#include "commandline/CliCommon.h"
#include "diffusion/model/ModelInfo.h"

#include <cstdio>

namespace hdr::cli {
namespace {

const CommandSpec kSpec{
    "model-info",
    "PATH [options]",
    "Describes a Stable Diffusion model: architecture, layout, components, parameters, dtypes.",
    "PATH is a single-file checkpoint (.safetensors), a diffusers folder (model_index.json, unet/,\n"
    "vae/, ...) or a flat folder (unet.safetensors + unet_config.json, ...). Every tensor is checked\n"
    "against the network its config describes (without loading weights); missing, unexpected or\n"
    "wrong-shaped tensors make the command fail (exit 1) with the reason.\n"
    "Single-file checkpoints use the built-in SD 1.5 / SDXL base configs unless --config is given.",
    {{"tokenizer", "DIR", "tokenizer folder (vocab.json + merges.txt, or tokenizer/ and tokenizer_2/)"},
     {"config", "DIR", "configs for a single-file checkpoint: a diffusers or flat folder of the same family"},
     {"json", "", "print JSON instead of text"}},
    1,
    1};

std::string withThousands(std::int64_t value)
{
    std::string digits = std::to_string(value);
    for (int i = int(digits.size()) - 3; i > 0; i -= 3) {
        digits.insert(std::size_t(i), ",");
    }
    return digits;
}

std::string joined(const std::vector<std::string>& items, const char* separator = ", ")
{
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : separator) + item;
    }
    return out;
}

void printText(const diffusion::ModelInfo& info)
{
    std::printf("model:      %s\n", info.path.c_str());
    std::printf("arch:       %s\n",
                info.arch == "sdxl" ? "sdxl (Stable Diffusion XL base)" : "sd15 (Stable Diffusion 1.x)");
    std::printf("layout:     %s\n", info.layout.c_str());
    for (const auto& c : info.components) {
        std::printf("%-11s %s parameters (%s), %s tensors; config: %s\n",
                    (c.name + ":").c_str(),
                    withThousands(c.parameters).c_str(),
                    joined(c.dtypes, "/").c_str(),
                    withThousands(c.tensors).c_str(),
                    c.config.c_str());
        if (c.parameters != c.expectedParameters) {
            std::printf("            the config describes %s parameters\n",
                        withThousands(c.expectedParameters).c_str());
        }
        const auto list = [](const char* what, const std::vector<std::string>& names) {
            for (const auto& name : names) {
                std::printf("            %s: %s\n", what, name.c_str());
            }
        };
        list("missing", c.missing);
        list("unexpected", c.unexpected);
        list("wrong shape", c.shapeMismatches);
    }
    std::printf("tokenizer:  %s\n", info.tokenizer.empty() ? "absent" : info.tokenizer.c_str());
    if (info.arch == "sdxl") {
        std::printf("tokenizer_2: %s\n", info.tokenizer2.empty() ? "absent" : info.tokenizer2.c_str());
    }
    std::printf("scheduler:  %s\n", info.scheduler.c_str());
    if (!info.ignoredKeys.empty()) {
        std::printf("skipped:    %zu tensors that are not network weights (EMA, schedule buffers, ...)\n",
                    info.ignoredKeys.size());
    }
    for (const auto& key : info.unexpectedKeys) {
        std::printf("unplaced:   %s\n", key.c_str());
    }
    for (const auto& note : info.notes) {
        std::printf("note:       %s\n", note.c_str());
    }
}

} // namespace

int runModelInfo(const std::vector<std::string>& argv)
{
    Args args;
    if (auto stop = parseCommandLine(kSpec, argv, args)) {
        return *stop;
    }
    diffusion::ModelInfoOptions options;
    options.tokenizerDir = args.value("tokenizer").value_or("");
    options.configDir = args.value("config").value_or("");
    auto info = diffusion::inspectModel(args.positional().front(), options);
    if (!info) {
        return reportError(info.error());
    }
    if (args.flag("json")) {
        std::printf("%s\n", info->toJson().c_str());
    } else {
        printText(*info);
    }
    if (const std::string problem = info->problem(); !problem.empty()) {
        return reportError(core::Error{core::ErrorCode::CorruptData, problem, info->path});
    }
    return kExitOk;
}

} // namespace hdr::cli
