#pragma once
// The curation gallery of the stage-1 -> curate -> upscale workflow: opens a batch folder (or any
// folder of images), shows the candidates as a grid, one large (loupe) or two side by side
// (compare), with their generation metadata, and lets the user cull them with Lightroom's keys
// (../shared/reference/hdr.md §5.1): P pick, X reject, U unflag, 0-5 stars, arrows move, G grid,
// E loupe, C compare, Z 100 %; Shift with a marking key, or "Auto-advance", moves on afterwards.
// Marks go to XMP sidecars at once (core/catalog/XmpSidecar.h), off the GUI thread. Picked
// candidates go to the upscale stage through upscaleRequested(); the folder is watched, so the
// finals it writes appear beside their candidate. Delete rejected moves files into rejected/
// after the user confirms.
#include "catalog/Candidate.h"
#include "catalog/CandidateFilter.h"

#include <QHash>
#include <QStringList>
#include <QWidget>

#include <functional>
#include <vector>

class QFileSystemWatcher;
class QItemSelection;
class QLabel;
class QListView;
class QPushButton;
class QStackedWidget;
class QTimer;
class QToolButton;

namespace hdr::core {
class JobManager;
}

namespace hdr::ui {

class CandidateDelegate;
class CandidateDetails;
class CandidateModel;
class CatalogWorker;
class GalleryFilterBar;
class ImageLoader;
class ImagePane;

class GalleryPanel : public QWidget {
    Q_OBJECT
public:
    enum class View { Grid, Loupe, Compare };

    explicit GalleryPanel(core::JobManager* jobs, QWidget* parent = nullptr);
    ~GalleryPanel() override;

    // Opens a batch root, its stage1/ folder or any image folder (scanned off the GUI thread;
    // folderOpened or errorOccurred follows).
    void openFolder(const QString& folder);
    QString folder() const { return m_root; }
    // Scans for new, changed and removed files now (the folder is also watched).
    void refresh();
    // The upscale stage wrote these finals: show them beside their candidates.
    void markFinished(const QStringList& finalPaths);

    void setView(View view);
    View view() const { return m_view; }
    void setAutoAdvance(bool on);
    bool autoAdvance() const;
    void setFilter(const catalog::CandidateFilter& filter);
    void setSortOrder(const catalog::SortOrder& order);

    // "Delete rejected…" asks through this (default: a QMessageBox); returning false cancels.
    using ConfirmFunction = std::function<bool(const QString& question)>;
    void setConfirmFunction(ConfirmFunction confirm);
    void deleteRejected();
    // Emits upscaleRequested with every picked candidate (whatever the filter shows), in time order.
    void upscalePicked();

    QStringList pickedImages() const;
    QString currentImage() const;
    int visibleCount() const;
    int totalCount() const;
    // Paths in view order (what the grid shows).
    QStringList visibleImages() const;
    const catalog::Candidate* candidate(const QString& path) const;
    // True while catalog work (scan, sidecar writes, moves) is queued or running.
    bool isBusy() const;
    QString statusText() const;
    QString detailsText() const;

    QListView* gridView() const { return m_grid; }
    ImagePane* loupeView() const { return m_loupe; }
    QWidget* compareView() const { return m_compare; }
    ImagePane* compareLeft() const { return m_compareLeft; }
    ImagePane* compareRight() const { return m_compareRight; }
    GalleryFilterBar* filterBar() const { return m_filterBar; }
    QPushButton* upscaleButton() const { return m_upscale; }
    QPushButton* deleteRejectedButton() const { return m_deleteRejected; }

signals:
    void folderOpened(const QString& root);
    void catalogUpdated(); // new candidates, finals or marks from disk
    void upscaleRequested(const QStringList& imagePaths);
    void openInViewerRequested(const QString& imagePath);
    void errorOccurred(const QString& message);
    void marksSaved(); // every mark written so far is on disk

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildUi();
    void chooseFolder();
    void applyCandidates(std::vector<catalog::Candidate> candidates,
                         const std::vector<std::string>& loraNames);
    void watchFolders();
    void updateStatus();
    void updateButtons();
    void showError(const QString& message);

    // Culling (GalleryPanelCulling.cpp).
    bool handleKey(QKeyEvent* event);
    QStringList markTargets() const;
    void applyMarks(const std::function<catalog::CullMarks(const catalog::CullMarks&)>& change, bool advance);
    void saveMarks(const QString& path, const catalog::CullMarks& marks);
    void moveCurrent(int delta);
    void setCurrentRow(int row);
    int currentRow() const;
    void currentChanged();
    void showLarge();
    void enterCompare();
    void toggleActualSize();
    void rememberSelection();
    void restoreSelection();
    void runDeleteRejected(bool confirmed);

    core::JobManager* m_jobs;
    CatalogWorker* m_worker;
    ImageLoader* m_loader;
    CandidateModel* m_model;
    CandidateDelegate* m_delegate;
    GalleryFilterBar* m_filterBar = nullptr;
    QStackedWidget* m_stack = nullptr;
    QListView* m_grid = nullptr;
    ImagePane* m_loupe = nullptr;
    QWidget* m_compare = nullptr;
    ImagePane* m_compareLeft = nullptr;
    ImagePane* m_compareRight = nullptr;
    CandidateDetails* m_details = nullptr;
    QLabel* m_folderLabel = nullptr;
    QLabel* m_status = nullptr;
    QToolButton* m_gridButton = nullptr;
    QToolButton* m_loupeButton = nullptr;
    QToolButton* m_compareButton = nullptr;
    QToolButton* m_autoAdvance = nullptr;
    QPushButton* m_upscale = nullptr;
    QPushButton* m_deleteRejected = nullptr;
    QFileSystemWatcher* m_watcher = nullptr;
    QTimer* m_refreshTimer = nullptr;

    View m_view = View::Grid;
    QString m_root;
    quint64 m_generation = 0; // bumped per folder: results for an older folder are dropped
    int m_refreshesPending = 0;
    QString m_message;                            // last error or notice for the status line
    QHash<QString, catalog::CullMarks> m_unsaved; // marks posted but not yet on disk
    QString m_compareSelect;                      // compare view: the fixed ("select") side
    // Selection kept across model rebuilds.
    QString m_keptCurrent;
    int m_keptRow = -1;
    QStringList m_keptSelection;
    ConfirmFunction m_confirm;
};

} // namespace hdr::ui
