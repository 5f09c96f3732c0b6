#include "ui/generation/GenerationOptions.h"

#include <QFileInfo>

#include <QObject>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace hdr::ui {

QStringList generationSamplerNames()
{
    return {QStringLiteral("euler_a"),
            QStringLiteral("euler"),
            QStringLiteral("euler_karras"),
            QStringLiteral("ddim"),
            QStringLiteral("dpmpp_2m"),
            QStringLiteral("dpmpp_2m_karras"),
            QStringLiteral("dpmpp_2m_sde"),
            QStringLiteral("dpmpp_2m_sde_karras"),
            QStringLiteral("unipc"),
            QStringLiteral("unipc_karras"),
            QStringLiteral("pndm"),
            QStringLiteral("lms"),
            QStringLiteral("lms_karras")};
}

std::vector<QSize> sizePresets(const QString& arch)
{
    if (arch == QLatin1String("sd15")) {
        return {{512, 512}, {512, 768}, {768, 512}, {640, 448}, {448, 640}};
    }
    // SDXL was trained on these ~1 megapixel aspect buckets.
    return {{1024, 1024},
            {1152, 896},
            {896, 1152},
            {1216, 832},
            {832, 1216},
            {1344, 768},
            {768, 1344},
            {1536, 640},
            {640, 1536}};
}

QString architectureLabel(const QString& arch)
{
    if (arch == QLatin1String("sdxl")) {
        return QObject::tr("SDXL base");
    }
    if (arch == QLatin1String("sd15")) {
        return QObject::tr("SD 1.5");
    }
    return arch;
}

std::vector<double> evenBracketEvList(int count, double step)
{
    std::vector<double> evs;
    for (int i = 0; i < count; ++i) {
        evs.push_back(step * (double(i) - double(count - 1) / 2.0));
    }
    return evs;
}

std::optional<std::vector<double>> parseEvList(const QString& text, QString* error)
{
    const auto fail = [error](const QString& why) -> std::optional<std::vector<double>> {
        if (error) {
            *error = why;
        }
        return std::nullopt;
    };
    QString normalized = text;
    normalized.replace(QChar(0x2212), QLatin1Char('-')); // a pasted true minus sign
    const QStringList parts =
        normalized.split(QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts);
    std::vector<double> evs;
    for (const QString& part : parts) {
        bool ok = false;
        const double ev = part.toDouble(&ok);
        if (!ok || !std::isfinite(ev)) {
            return fail(QObject::tr("'%1' in the EV list is not a number").arg(part));
        }
        if (std::abs(ev) > 10.0) {
            return fail(QObject::tr("EV %1 is outside -10..+10 stops").arg(part));
        }
        evs.push_back(ev);
    }
    std::sort(evs.begin(), evs.end());
    if (std::adjacent_find(evs.begin(), evs.end()) != evs.end()) {
        return fail(QObject::tr("the EV list repeats a value"));
    }
    if (evs.size() < 2) {
        return fail(QObject::tr("the EV list needs two or more values, e.g. -2, 0, 2"));
    }
    return evs;
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
    if (o.model.trimmed().isEmpty()) {
        return QObject::tr("Choose a model (a .safetensors file or a diffusers folder).");
    }
    if (o.arch.isEmpty()) {
        return QObject::tr("The model has not been recognised as SD 1.5 or SDXL.");
    }
    if (o.prompt.trimmed().isEmpty()) {
        return QObject::tr("Type a prompt.");
    }
    if (!o.initImage.trimmed().isEmpty() && !QFileInfo(o.initImage.trimmed()).isFile()) {
        return QObject::tr("The init image %1 does not exist; choose another or clear it.")
            .arg(o.initImage.trimmed());
    }
    if (!o.initImage.trimmed().isEmpty() && !(o.strength > 0.0 && o.strength <= 1.0)) {
        return QObject::tr("Strength must be above 0 and at most 1.");
    }
    if (o.width % 8 != 0 || o.height % 8 != 0) {
        return QObject::tr("Width and height must be multiples of 8 (the VAE works on 8x8 blocks).");
    }
    if (o.width < 64 || o.height < 64 || o.width > 4096 || o.height > 4096) {
        return QObject::tr("Width and height must be between 64 and 4096 pixels.");
    }
    if (o.steps < 1 || o.steps > 1000) {
        return QObject::tr("Steps must be between 1 and 1000.");
    }
    if (o.evs.size() < 2) {
        return QObject::tr("Two or more brackets are needed.");
    }
    if (o.formats.isEmpty()) {
        return QObject::tr("Tick at least one output format.");
    }
    if (o.outputDir.trimmed().isEmpty()) {
        return QObject::tr("Choose an output folder.");
    }
    return {};
}

diffusion::BracketedRequest toBracketedRequest(const GenerationOptions& o, std::uint64_t seed)
{
    diffusion::BracketedRequest r;
    r.model = o.model.trimmed().toStdString();
    r.prompt = o.prompt.trimmed().toStdString();
    if (!o.negative.trimmed().isEmpty()) {
        r.negative = o.negative.trimmed().toStdString();
    }
    if (!o.initImage.trimmed().isEmpty()) {
        r.image = o.initImage.trimmed().toStdString();
        r.strength = o.strength;
    }
    r.sampler = o.sampler.toStdString();
    r.promptStyle = o.promptStyle.toStdString();
    r.steps = o.steps;
    r.cfg = o.cfg;
    r.seed = seed;
    r.width = o.width;
    r.height = o.height;
    r.dtype = o.dtype.toStdString();
    r.threads = o.threads;
    r.offload = o.offload;
    r.vaeTile = o.vaeTile;
    r.evs = o.evs;
    r.exposureStep = o.exposureStep;
    r.strategy = o.strategy.toStdString();
    if (o.useFraction) {
        r.branchFraction = o.fraction;
    } else {
        r.timestep = o.timestep;
        r.branchFraction.reset();
    }
    r.outputDir = o.outputDir.trimmed().toStdString();
    r.formats.clear();
    for (const QString& f : o.formats) {
        r.formats.insert(f.toStdString());
    }
    r.saveBrackets = o.saveBrackets;
    r.json = true;
    return r;
}

} // namespace hdr::ui
