#pragma once
// Starts and resumes training runs from the dashboard as jobs of the JobManager. Training runs in
// its own process (`hdrstudio-cli itm train`): a run takes hours, must survive the app being
// closed, and the dashboard follows its run folder like any other. The job shows the epochs the
// trainer prints ("epoch 3/20 ...") as progress with an ETA; Cancel asks the trainer to stop
// after the current step (STOP_TRAINING in the run folder), and kills it only if it does not.
#include <QObject>
#include <QString>
#include <QStringList>

namespace hdr::core {
class JobManager;
}

namespace hdr::ui {

class TrainingLauncher : public QObject {
    Q_OBJECT
public:
    explicit TrainingLauncher(core::JobManager* jobs, QObject* parent = nullptr);

    // The CLI to run (default: hdrstudio-cli next to the application).
    void setProgram(const QString& program) { m_program = program; }
    QString program() const { return m_program; }

    // configPath: a JSON file of `itm train` options (the dashboard's Start dialog).
    void start(const QString& configPath);
    // Continues the run in runDir from its latest checkpoint.
    void resume(const QString& runDir);
    // Runs `program args` as a training job (start and resume use it).
    void launch(const QString& title, const QStringList& arguments);

signals:
    void runStarted(const QString& runDir); // the trainer said where its run folder is
    void finished(const QString& runDir);
    void failed(const QString& message);

private:
    core::JobManager* m_jobs;
    QString m_program;
};

// Parses one line the trainer prints: "run: DIR" -> runDir; "epoch N/M" -> progress N/M.
struct TrainerLine {
    QString runDir;
    int epoch = -1, epochs = -1;
};
TrainerLine parseTrainerLine(const QString& line);

} // namespace hdr::ui
