#include "ui/generation/GenerationOptions.h"

#include "batch/SizePresets.h"

#include <QObject>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace hdr::ui {

std::vector<QSize> sizePresets(const QString& arch)
{
    // The same presets the batch config's "sdxl" / "sd15" size groups draw from.
    const auto& presets = arch == QLatin1String("sd15") ? batch::sd15Presets() : batch::sdxlBuckets();
    std::vector<QSize> sizes;
    for (const batch::ImageSize& size : presets) {
        sizes.emplace_back(size.width, size.height);
    }
    return sizes;
}

QString architectureLabel(const QString& arch)
{
    if (arch == QLatin1String("sdxl")) {
        return QObject::tr("SDXL base");
    }
    if (arch == QLatin1String("sd15")) {
        return QObject::tr("SD 1.5");
    }
    if (arch == QLatin1String("sd15-gm")) {
        return QObject::tr("GM-Diffusion gain-map UNet (SD 1.5)");
    }
    if (arch == QLatin1String("sdxl-refiner")) {
        return QObject::tr("SDXL refiner");
    }
    return arch;
}

QStringList generationSamplerNames()
{
    QStringList names;
    for (const std::string& name : diffusion::bracketedRequestSpec().info("sampler").choices) {
        if (!name.ends_with("Scheduler")) {
            names << QString::fromStdString(name);
        }
    }
    return names;
}

QString formatEv(double ev)
{
    const double rounded = std::round(ev * 100.0) / 100.0;
    if (rounded == 0.0) {
        return QObject::tr("0 EV");
    }
    const QString magnitude = QString::number(std::abs(rounded), 'g', 3);
    return QObject::tr("%1%2 EV").arg(rounded < 0 ? QString(QChar(0x2212)) : QStringLiteral("+"), magnitude);
}

QString validationProblem(const GenerationOptions& o)
{
    const bool gainMap = o.method == GenerationMethod::GainMap;
    const diffusion::DiffusionSettings& r = gainMap
                                                ? static_cast<const diffusion::DiffusionSettings&>(o.gainMap)
                                                : static_cast<const diffusion::DiffusionSettings&>(o.request);
    if (r.model.empty()) {
        return QObject::tr("Choose a model (a .safetensors file or a diffusers folder).");
    }
    if (o.arch.isEmpty()) {
        return QObject::tr("The model has not been recognised as SD 1.5 or SDXL.");
    }
    if (gainMap && o.arch != QLatin1String("sd15")) {
        return QObject::tr("Gain-map diffusion needs an SD 1.5 model (GM-Diffusion's base), not %1.")
            .arg(architectureLabel(o.arch));
    }
    if (gainMap && !o.gainMapProblem.isEmpty()) {
        return o.gainMapProblem;
    }
    const bool fromSdr = gainMap && !o.gainMap.sdrImage.empty();
    if (!fromSdr && QString::fromStdString(r.prompt).trimmed().isEmpty()) {
        return QObject::tr("Type a prompt.");
    }
    const auto problems = gainMap ? diffusion::gainMapRequestSpec().problems(o.gainMap)
                                  : diffusion::bracketedRequestSpec().problems(o.request);
    return problems.empty() ? QString() : QString::fromStdString(problems.front());
}

diffusion::BracketedRequest toBracketedRequest(const GenerationOptions& o, std::uint64_t seed)
{
    diffusion::BracketedRequest r = o.request;
    r.seed = seed;
    r.json = true;
    return r;
}

diffusion::GainMapRequest toGainMapRequest(const GenerationOptions& o, std::uint64_t seed)
{
    diffusion::GainMapRequest r = o.gainMap;
    r.seed = seed;
    r.json = true;
    return r;
}

std::optional<std::vector<double>> parseEvList(const QString& text, QString* error)
{
    QString normalized = text.trimmed();
    normalized.replace(QRegularExpression(QStringLiteral("[;\\s]+")), QStringLiteral(","));
    const auto& spec = diffusion::bracketedRequestSpec();
    diffusion::BracketedRequest r;
    auto status = spec.setText(r, "evs", normalized.toStdString());
    std::string problem = status ? std::string() : status.error().message;
    if (problem.empty()) {
        std::sort(r.evs.begin(), r.evs.end());
        if (auto p = spec::checkSettingValue(spec.info("evs"), spec.value(r, "evs"))) {
            problem = *p;
        } else if (auto q = spec.find("evs")->check(r)) {
            problem = *q;
        }
    }
    if (!problem.empty()) {
        if (error) {
            *error = QString::fromStdString(problem);
        }
        return std::nullopt;
    }
    return r.evs;
}

} // namespace hdr::ui
