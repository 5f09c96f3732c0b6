#include "ui/gallery/GalleryPanel.h"

#include "catalog/Catalog.h"
#include "catalog/RejectedMove.h"
#include "jobs/JobManager.h"
#include "ui/gallery/CandidateDelegate.h"
#include "ui/gallery/CandidateDetails.h"
#include "ui/gallery/CandidateModel.h"
#include "ui/gallery/CatalogWorker.h"
#include "ui/gallery/GalleryFilterBar.h"
#include "ui/gallery/ImageLoader.h"
#include "ui/gallery/ImagePane.h"

#include <QButtonGroup>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <memory>

namespace hdr::ui {
namespace {

namespace fs = std::filesystem;

QString qs(const fs::path& p)
{
    return QString::fromStdString(p.string());
}

struct Snapshot {
    std::vector<catalog::Candidate> candidates;
    std::vector<std::string> loraNames;
};

Snapshot snapshotOf(const catalog::Catalog& c)
{
    return {c.candidates(), c.loraNames()};
}

} // namespace

GalleryPanel::GalleryPanel(core::JobManager* jobs, QWidget* parent)
    : QWidget(parent)
    , m_jobs(jobs)
    , m_worker(new CatalogWorker(jobs, this))
    , m_loader(new ImageLoader(jobs, this))
    , m_model(new CandidateModel(m_loader, this))
    , m_delegate(new CandidateDelegate(this))
{
    buildUi();
    m_watcher = new QFileSystemWatcher(this);
    m_refreshTimer = new QTimer(this);
    m_refreshTimer->setSingleShot(true);
    m_refreshTimer->setInterval(400); // a batch writes image, JSON and sidecar in a burst
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, m_refreshTimer, qOverload<>(&QTimer::start));
    connect(m_refreshTimer, &QTimer::timeout, this, &GalleryPanel::refresh);
    connect(m_worker, &CatalogWorker::idle, this, [this] {
        updateStatus();
        if (m_unsaved.isEmpty()) emit marksSaved();
    });
    connect(m_loader, &ImageLoader::imageReady, this, [this](const QString&) { showLarge(); });
    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this, &GalleryPanel::rememberSelection);
    connect(m_model, &CandidateModel::rowsRebuilt, this, &GalleryPanel::restoreSelection);
    m_confirm = [this](const QString& question) {
        return QMessageBox::question(this,
                                     tr("Delete rejected"),
                                     question,
                                     QMessageBox::Yes | QMessageBox::Cancel,
                                     QMessageBox::Cancel) == QMessageBox::Yes;
    };
    updateStatus();
    updateButtons();
}

GalleryPanel::~GalleryPanel() = default;

void GalleryPanel::buildUi()
{
    auto* open = new QPushButton(tr("Open folder\u2026"), this);
    open->setToolTip(tr("Open a batch folder (with stage1/) or any folder of images"));
    m_folderLabel = new QLabel(tr("No folder open"), this);
    m_folderLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_folderLabel->setMinimumWidth(80);
    m_folderLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    const auto viewButton = [this](const QString& text, const QString& tip) {
        auto* b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        b->setCheckable(true);
        b->setAutoRaise(true);
        return b;
    };
    m_gridButton = viewButton(tr("Grid"), tr("Grid (G)"));
    m_loupeButton = viewButton(tr("Loupe"), tr("One image large (E)"));
    m_compareButton = viewButton(tr("Compare"), tr("Two images side by side (C)"));
    auto* views = new QButtonGroup(this);
    views->setExclusive(true);
    views->addButton(m_gridButton);
    views->addButton(m_loupeButton);
    views->addButton(m_compareButton);
    m_gridButton->setChecked(true);
    connect(m_gridButton, &QToolButton::clicked, this, [this] { setView(View::Grid); });
    connect(m_loupeButton, &QToolButton::clicked, this, [this] { setView(View::Loupe); });
    connect(m_compareButton, &QToolButton::clicked, this, [this] { setView(View::Compare); });

    m_autoAdvance = new QToolButton(this);
    m_autoAdvance->setText(tr("Auto-advance"));
    m_autoAdvance->setCheckable(true);
    m_autoAdvance->setToolTip(
        tr("Move to the next candidate after a flag or rating (Shift+key does it once)"));
    m_upscale = new QPushButton(tr("Upscale picked"), this);
    m_upscale->setToolTip(tr("Send every picked candidate to the upscale stage"));
    m_deleteRejected = new QPushButton(tr("Delete rejected\u2026"), this);
    m_deleteRejected->setToolTip(tr("Move rejected candidates with their files into rejected/ (asks first)"));
    connect(open, &QPushButton::clicked, this, &GalleryPanel::chooseFolder);
    connect(m_upscale, &QPushButton::clicked, this, &GalleryPanel::upscalePicked);
    connect(m_deleteRejected, &QPushButton::clicked, this, &GalleryPanel::deleteRejected);

    auto* top = new QHBoxLayout;
    top->addWidget(open);
    top->addWidget(m_folderLabel, 1);
    top->addWidget(m_gridButton);
    top->addWidget(m_loupeButton);
    top->addWidget(m_compareButton);
    top->addSpacing(8);
    top->addWidget(m_autoAdvance);
    top->addWidget(m_upscale);
    top->addWidget(m_deleteRejected);

    m_filterBar = new GalleryFilterBar(this);
    connect(m_filterBar, &GalleryFilterBar::changed, this, [this] {
        m_model->setFilter(m_filterBar->filter());
        m_model->setSortOrder(m_filterBar->sortOrder());
        updateStatus();
    });

    m_grid = new QListView(this);
    m_grid->setModel(m_model);
    m_grid->setItemDelegate(m_delegate);
    m_grid->setViewMode(QListView::IconMode);
    m_grid->setResizeMode(QListView::Adjust);
    m_grid->setMovement(QListView::Static);
    m_grid->setUniformItemSizes(true);
    m_grid->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_grid->setGridSize(m_delegate->cellSize());
    m_grid->setContextMenuPolicy(Qt::CustomContextMenu);
    m_grid->installEventFilter(this);
    m_loader->setThumbnailSide(int(m_delegate->thumbnailSide() * devicePixelRatioF()));
    connect(m_grid, &QListView::activated, this, [this] { setView(View::Loupe); });
    connect(
        m_grid->selectionModel(), &QItemSelectionModel::currentChanged, this, &GalleryPanel::currentChanged);
    connect(m_grid, &QListView::customContextMenuRequested, this, [this](const QPoint& at) {
        const QModelIndex index = m_grid->indexAt(at);
        if (!index.isValid()) return;
        const QString path = index.data(CandidateModel::PathRole).toString();
        QMenu menu(this);
        menu.addAction(tr("Open in viewer"), this, [this, path] { emit openInViewerRequested(path); });
        menu.addAction(tr("Show large"), this, [this] { setView(View::Loupe); });
        menu.exec(m_grid->viewport()->mapToGlobal(at));
    });

    m_loupe = new ImagePane(this);
    m_loupe->installEventFilter(this);
    m_compare = new QWidget(this);
    m_compareLeft = new ImagePane(m_compare);
    m_compareRight = new ImagePane(m_compare);
    auto* compareLayout = new QHBoxLayout(m_compare);
    compareLayout->setContentsMargins(0, 0, 0, 0);
    compareLayout->setSpacing(2);
    compareLayout->addWidget(m_compareLeft);
    compareLayout->addWidget(m_compareRight);
    for (ImagePane* pane : {m_compareLeft, m_compareRight})
        pane->installEventFilter(this);
    // Zoom and pan stay in step across the two sides.
    connect(m_compareLeft, &ImagePane::viewChanged, m_compareRight, &ImagePane::setView);
    connect(m_compareRight, &ImagePane::viewChanged, m_compareLeft, &ImagePane::setView);
    connect(m_compareLeft, &ImagePane::activated, this, [this] {
        // Clicking the fixed side swaps the roles, as Lightroom's compare does.
        const QString current = currentImage();
        if (m_compareSelect.isEmpty() || current.isEmpty()) return;
        const QString select = m_compareSelect;
        m_compareSelect = current;
        setCurrentRow(m_model->rowOf(select));
    });

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_grid);
    m_stack->addWidget(m_loupe);
    m_stack->addWidget(m_compare);

    m_details = new CandidateDetails(this);
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_stack);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({700, 260});

    m_status = new QLabel(this);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setWordWrap(true);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(m_filterBar);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);
    setFocusProxy(m_grid);
}

void GalleryPanel::chooseFolder()
{
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Open a gallery folder"), m_root);
    if (!folder.isEmpty()) openFolder(folder);
}

void GalleryPanel::openFolder(const QString& folder)
{
    const quint64 generation = ++m_generation;
    m_worker->dropPending();
    m_loader->clear();
    m_unsaved.clear();
    m_message.clear();
    m_refreshesPending = 0;
    m_root.clear();
    m_compareSelect.clear();
    m_model->setCandidates({});
    if (!m_watcher->directories().isEmpty()) m_watcher->removePaths(m_watcher->directories());
    m_folderLabel->setText(tr("Opening %1\u2026").arg(folder));
    const std::string path = folder.toStdString();
    m_worker->post(
        [this, generation, path](std::unique_ptr<catalog::Catalog>& catalog) -> CatalogWorker::Continuation {
            auto opened = catalog::Catalog::open(path);
            if (!opened) {
                const QString message = QString::fromStdString(opened.error().describe());
                return [this, generation, message] {
                    if (generation != m_generation) return;
                    m_folderLabel->setText(tr("No folder open"));
                    showError(tr("Cannot open the gallery: %1").arg(message));
                };
            }
            catalog = std::make_unique<catalog::Catalog>(std::move(*opened));
            auto summary = catalog->refresh();
            const QString root = qs(catalog->root());
            const QString error = summary ? QString() : QString::fromStdString(summary.error().describe());
            auto snapshot = std::make_shared<Snapshot>(snapshotOf(*catalog));
            return [this, generation, root, error, snapshot] {
                if (generation != m_generation) return;
                m_root = root;
                m_folderLabel->setText(QDir::toNativeSeparators(root));
                m_folderLabel->setToolTip(QDir::toNativeSeparators(root));
                if (!error.isEmpty()) showError(tr("Cannot read the gallery folder: %1").arg(error));
                applyCandidates(std::move(snapshot->candidates), snapshot->loraNames);
                watchFolders();
                if (m_model->rowCount() > 0 && currentRow() < 0) setCurrentRow(0);
                emit folderOpened(root);
            };
        });
    updateStatus();
}

void GalleryPanel::refresh()
{
    // One refresh running and one waiting is enough: the waiting one sees every later change.
    if (m_root.isEmpty() || m_refreshesPending >= 2) return;
    ++m_refreshesPending;
    const quint64 generation = m_generation;
    m_worker->post(
        [this, generation](std::unique_ptr<catalog::Catalog>& catalog) -> CatalogWorker::Continuation {
            if (!catalog) {
                return [this, generation] {
                    if (generation == m_generation) --m_refreshesPending;
                };
            }
            auto summary = catalog->refresh();
            if (!summary) {
                const QString message = QString::fromStdString(summary.error().describe());
                return [this, generation, message] {
                    if (generation != m_generation) return;
                    --m_refreshesPending;
                    showError(tr("Cannot read the gallery folder: %1").arg(message));
                };
            }
            std::shared_ptr<Snapshot> snapshot;
            if (summary->any()) snapshot = std::make_shared<Snapshot>(snapshotOf(*catalog));
            return [this, generation, snapshot] {
                if (generation != m_generation) return;
                --m_refreshesPending;
                if (snapshot) applyCandidates(std::move(snapshot->candidates), snapshot->loraNames);
                watchFolders();
            };
        });
}

void GalleryPanel::markFinished(const QStringList& finalPaths)
{
    Q_UNUSED(finalPaths); // the refresh finds them by name and through the candidates' JSON
    refresh();
}

void GalleryPanel::applyCandidates(std::vector<catalog::Candidate> candidates,
                                   const std::vector<std::string>& loraNames)
{
    // Marks the user set whose writes are still queued are newer than what the scan read.
    for (catalog::Candidate& c : candidates) {
        const auto it = m_unsaved.constFind(qs(c.image));
        if (it != m_unsaved.constEnd()) c.marks = *it;
    }
    m_model->setCandidates(std::move(candidates));
    m_filterBar->setLoraNames(loraNames);
    currentChanged();
    updateStatus();
    updateButtons();
    emit catalogUpdated();
}

void GalleryPanel::watchFolders()
{
    if (m_root.isEmpty()) return;
    QStringList wanted;
    for (const QString& sub :
         {QString(), QStringLiteral("stage1"), QStringLiteral("final"), QStringLiteral("metadata")}) {
        const QString dir = sub.isEmpty() ? m_root : QDir(m_root).filePath(sub);
        if (QFileInfo(dir).isDir() && !m_watcher->directories().contains(dir)) wanted << dir;
    }
    if (!wanted.isEmpty()) m_watcher->addPaths(wanted);
}

void GalleryPanel::setFilter(const catalog::CandidateFilter& filter)
{
    m_filterBar->setFilter(filter);
}

void GalleryPanel::setSortOrder(const catalog::SortOrder& order)
{
    m_filterBar->setSortOrder(order);
}

void GalleryPanel::setAutoAdvance(bool on)
{
    m_autoAdvance->setChecked(on);
}

bool GalleryPanel::autoAdvance() const
{
    return m_autoAdvance->isChecked();
}

void GalleryPanel::setConfirmFunction(ConfirmFunction confirm)
{
    m_confirm = std::move(confirm);
}

QStringList GalleryPanel::pickedImages() const
{
    std::vector<const catalog::Candidate*> picked;
    for (const catalog::Candidate& c : m_model->all()) {
        if (c.marks.flag == catalog::Flag::Picked) picked.push_back(&c);
    }
    std::stable_sort(
        picked.begin(), picked.end(), [](const catalog::Candidate* a, const catalog::Candidate* b) {
            return catalog::sortsBefore(*a, *b, {});
        });
    QStringList paths;
    for (const catalog::Candidate* c : picked)
        paths << qs(c->image);
    return paths;
}

void GalleryPanel::upscalePicked()
{
    const QStringList picked = pickedImages();
    if (picked.isEmpty()) {
        m_message = tr("Nothing is picked: press P on the candidates to upscale.");
        updateStatus();
        return;
    }
    m_message = tr("Sent %n picked candidate(s) to the upscale stage.", nullptr, int(picked.size()));
    updateStatus();
    emit upscaleRequested(picked);
}

void GalleryPanel::deleteRejected()
{
    if (m_root.isEmpty()) return;
    const quint64 generation = m_generation;
    // Planning looks at the disk (which companions exist), so it runs with the other catalog work.
    m_worker->post([this,
                    generation](std::unique_ptr<catalog::Catalog>& catalog) -> CatalogWorker::Continuation {
        if (!catalog) return {};
        auto plan = std::make_shared<catalog::RejectedMovePlan>(
            catalog::planRejectedMove(catalog->root(), catalog->candidates()));
        return [this, generation, plan] {
            if (generation != m_generation) return;
            if (plan->items.empty()) {
                m_message = tr("No candidate is rejected.");
                updateStatus();
                return;
            }
            QString question =
                tr("Move %n rejected candidate(s) into \"rejected\" in %1?", nullptr, int(plan->items.size()))
                    .arg(QDir::toNativeSeparators(m_root));
            question += QLatin1Char('\n') +
                        tr("%n file(s) move (images, metadata, sidecars", nullptr, int(plan->fileCount()));
            question += plan->finalsCount > 0
                            ? tr(", and %n upscaled final(s)).", nullptr, int(plan->finalsCount))
                            : tr(").");
            question += QLatin1Char('\n') + tr("You can move them back from that folder.");
            runDeleteRejected(m_confirm && m_confirm(question));
        };
    });
}

void GalleryPanel::runDeleteRejected(bool confirmed)
{
    if (!confirmed) {
        m_message = tr("Nothing was moved.");
        updateStatus();
        return;
    }
    const quint64 generation = m_generation;
    m_worker->post(
        [this, generation](std::unique_ptr<catalog::Catalog>& catalog) -> CatalogWorker::Continuation {
            if (!catalog) return {};
            // Planned again here: marks may have changed while the question was open.
            const auto plan = catalog::planRejectedMove(catalog->root(), catalog->candidates());
            const auto report =
                catalog::moveRejected(plan, [](const catalog::RejectedMovePlan&) { return true; });
            auto summary = catalog->refresh();
            auto snapshot = std::make_shared<Snapshot>(snapshotOf(*catalog));
            QStringList failures;
            for (const core::Error& e : report.failures)
                failures << QString::fromStdString(e.describe());
            const int moved = int(report.movedImages.size());
            return [this, generation, snapshot, failures, moved] {
                if (generation != m_generation) return;
                applyCandidates(std::move(snapshot->candidates), snapshot->loraNames);
                m_message = tr("Moved %n rejected candidate(s) into rejected/.", nullptr, moved);
                if (!failures.isEmpty()) {
                    showError(m_message + QLatin1Char(' ') +
                              tr("Not moved: %1").arg(failures.join(QStringLiteral("; "))));
                }
                updateStatus();
            };
        });
}

const catalog::Candidate* GalleryPanel::candidate(const QString& path) const
{
    return m_model->candidate(path);
}

int GalleryPanel::visibleCount() const
{
    return m_model->rowCount();
}

int GalleryPanel::totalCount() const
{
    return int(m_model->all().size());
}

QStringList GalleryPanel::visibleImages() const
{
    QStringList paths;
    for (int row = 0; row < m_model->rowCount(); ++row)
        paths << qs(m_model->candidateAt(row)->image);
    return paths;
}

bool GalleryPanel::isBusy() const
{
    return m_worker->isBusy();
}

QString GalleryPanel::statusText() const
{
    return m_status->text();
}

QString GalleryPanel::detailsText() const
{
    return m_details->text();
}

void GalleryPanel::showError(const QString& message)
{
    m_message = message;
    updateStatus();
    emit errorOccurred(message);
}

void GalleryPanel::updateStatus()
{
    int picked = 0;
    int rejected = 0;
    for (const catalog::Candidate& c : m_model->all()) {
        picked += c.marks.flag == catalog::Flag::Picked;
        rejected += c.marks.flag == catalog::Flag::Rejected;
    }
    QString text;
    if (m_root.isEmpty() && !m_worker->isBusy()) {
        text = tr("Open a batch folder to cull its candidates.");
    } else {
        text = tr("%1 of %2 shown \u00b7 %3 picked \u00b7 %4 rejected")
                   .arg(m_model->rowCount())
                   .arg(m_model->all().size())
                   .arg(picked)
                   .arg(rejected);
        if (m_worker->isBusy()) text += QStringLiteral(" \u00b7 ") + tr("working\u2026");
    }
    if (!m_message.isEmpty()) text += QStringLiteral(" \u2014 ") + m_message;
    m_status->setText(text);
    m_upscale->setText(picked > 0 ? tr("Upscale picked (%1)").arg(picked) : tr("Upscale picked"));
}

void GalleryPanel::updateButtons()
{
    const bool open = !m_root.isEmpty();
    m_upscale->setEnabled(open);
    m_deleteRejected->setEnabled(open);
}

} // namespace hdr::ui
