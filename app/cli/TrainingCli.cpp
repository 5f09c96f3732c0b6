#include "TrainingCli.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>

namespace hdr::cli {

std::vector<OptionSpec> trainingOptionSpecs()
{
    return {{"runs", "DIR", "parent of new run folders (default runs)"},
            {"tag", "NAME", "run folder suffix: runs/<timestamp>_NAME"},
            {"run-dir", "DIR", "use or continue this run folder"},
            {"resume", "WHICH", "best | latest | a checkpoint file"},
            {"start-epoch", "N", "continue with epoch N (1-based)"},
            {"epochs", "N", "last epoch (default 10)"},
            {"lr", "X", "learning rate (default 1e-3)"},
            {"min-lr", "X", "cosine floor (default 0)"},
            {"schedule", "S", "cosine | step | constant (default cosine)"},
            {"warmup", "STEPS", "linear warm-up steps (default 0)"},
            {"step-epochs", "N", "step schedule: epochs per drop (default 10)"},
            {"step-gamma", "X", "step schedule: factor per drop (default 0.5)"},
            {"optimizer", "O", "adam | adamw | sgd (default adam)"},
            {"weight-decay", "X", "weight decay (default 0)"},
            {"accumulation", "N", "micro-batches per optimizer step (default 1)"},
            {"clip-grad", "X", "clip the gradient norm (default 0 = off)"},
            {"amp", "P", "fp32 | bf16 | fp16 (fp16 on CUDA only; default fp32)"},
            {"device", "D", "cpu | cuda | cuda:N (default cpu)"},
            {"patience", "N", "early stop after N epochs without improvement (default 0 = off)"},
            {"min-delta", "X", "smallest improvement that counts (default 0)"},
            {"val-batches", "N", "validation batches per epoch (default 4)"},
            {"viz-samples", "N", "viz images per epoch (default 2)"},
            {"checkpoint-every", "STEPS", "also refresh latest.pt every STEPS optimizer steps"},
            {"seed", "N", "random seed (default 1)"},
            {"notes", "TEXT", "free text stored in the checkpoints"},
            {"no-tensorboard", "", "do not write tb/ event files"},
            {"rank", "N", "distributed: this process's rank (or RANK)"},
            {"world-size", "N", "distributed: number of processes (or WORLD_SIZE)"},
            {"master-addr", "HOST", "distributed: rank 0's address (or MASTER_ADDR)"},
            {"master-port", "PORT", "distributed: rendezvous port (or MASTER_PORT)"},
            {"local-rank", "N", "distributed: GPU index on this machine (or LOCAL_RANK)"},
            {"dist-backend", "B", "auto | gloo | nccl (default auto)"}};
}

std::variant<std::vector<std::string>, std::string> expandOptionsFile(const std::vector<std::string>& argv)
{
    std::vector<std::string> expanded;
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        std::string file;
        if (a == "--options") {
            if (i + 1 >= argv.size()) {
                return std::string("--options needs a JSON file");
            }
            file = argv[++i];
        } else if (a.rfind("--options=", 0) == 0) {
            file = a.substr(10);
        } else {
            rest.push_back(a);
            continue;
        }
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            return "Cannot read the options file " + file;
        }
        const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
        if (!doc.is_object()) {
            return file + " is not a JSON object of option names and values";
        }
        auto scalar = [](const nlohmann::json& v) -> std::optional<std::string> {
            if (v.is_string()) {
                return v.get<std::string>();
            }
            if (v.is_number_integer()) {
                return std::to_string(v.get<long long>());
            }
            if (v.is_number()) {
                char buf[64];
                std::snprintf(buf, sizeof buf, "%.17g", v.get<double>());
                return std::string(buf);
            }
            return std::nullopt;
        };
        for (const auto& [name, value] : doc.items()) {
            if (value.is_boolean()) {
                if (value.get<bool>()) {
                    expanded.push_back("--" + name);
                }
                continue;
            }
            const nlohmann::json list = value.is_array() ? value : nlohmann::json::array({value});
            for (const auto& item : list) {
                auto text = scalar(item);
                if (!text) {
                    return file + ": option \"" + name +
                           "\" must be a string, number, true/false or a list of them";
                }
                expanded.push_back("--" + name);
                expanded.push_back(*text);
            }
        }
    }
    expanded.insert(expanded.end(), rest.begin(), rest.end());
    return expanded;
}

std::optional<std::string> parseTrainingOptions(const Args& args, training::TrainingOptions& o)
{
    std::string err;
    auto num = [&](const char* name, auto& field) {
        if (auto v = args.number(name, err)) {
            field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
        }
    };
    auto env = training::distributedConfigFromEnvironment(o.distributed);
    if (!env) {
        return env.error().describe();
    }
    o.distributed = *env;
    o.runsRoot = args.value("runs").value_or(o.runsRoot.string());
    o.tag = args.value("tag").value_or(o.tag);
    o.runDir = args.value("run-dir").value_or(o.runDir.string());
    o.resume = args.value("resume").value_or(o.resume);
    if (auto v = args.number("start-epoch", err)) {
        o.startEpoch = std::int64_t(*v);
    }
    num("epochs", o.epochs);
    num("lr", o.lr);
    num("min-lr", o.minLr);
    num("warmup", o.warmupSteps);
    num("step-epochs", o.stepEpochs);
    num("step-gamma", o.stepGamma);
    num("weight-decay", o.weightDecay);
    num("accumulation", o.accumulation);
    num("clip-grad", o.clipGradNorm);
    num("patience", o.patience);
    num("min-delta", o.minDelta);
    num("val-batches", o.validationBatches);
    num("viz-samples", o.vizSamples);
    num("checkpoint-every", o.checkpointEverySteps);
    num("seed", o.seed);
    num("rank", o.distributed.rank);
    num("world-size", o.distributed.worldSize);
    num("master-port", o.distributed.masterPort);
    num("local-rank", o.distributed.localRank);
    if (!err.empty()) {
        return err;
    }
    if (auto v = args.value("schedule")) {
        auto s = training::lrScheduleFromName(*v);
        if (!s) {
            return "--schedule must be cosine, step or constant";
        }
        o.schedule = *s;
    }
    if (auto v = args.value("optimizer")) {
        auto k = training::optimizerFromName(*v);
        if (!k) {
            return "--optimizer must be adam, adamw or sgd";
        }
        o.optimizer = *k;
    }
    if (auto v = args.value("amp")) {
        auto p = training::precisionFromName(*v);
        if (!p) {
            return "--amp must be fp32, bf16 or fp16";
        }
        o.precision = *p;
    }
    o.device = args.value("device").value_or(o.device);
    o.notes = args.value("notes").value_or(o.notes);
    o.tensorboard = !args.flag("no-tensorboard");
    o.distributed.masterAddr = args.value("master-addr").value_or(o.distributed.masterAddr);
    o.distributed.backend = args.value("dist-backend").value_or(o.distributed.backend);
    if (o.distributed.enabled() && o.device.rfind("cuda", 0) == 0 && o.device == "cuda") {
        o.device = "cuda:" + std::to_string(o.distributed.localRank);
    }
    o.log = [](std::string_view m) { std::fprintf(stderr, "%.*s\n", int(m.size()), m.data()); };
    if (auto s = o.validate(); !s) {
        return s.error().describe();
    }
    return std::nullopt;
}

} // namespace hdr::cli
