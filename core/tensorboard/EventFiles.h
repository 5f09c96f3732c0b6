#pragma once

#include "common/Error.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::tensorboard {

// The name TensorBoard's writers give event files (tensorboard summary/writer/event_file_writer.py,
// PyTorch torch/utils/tensorboard/writer.py):
//   events.out.tfevents.<unix seconds, at least 10 digits>.<hostname>.<pid>.<counter><suffix>
// The counter tells apart files one process opens within the same second.
std::string eventFileName(std::int64_t unixSeconds,
                          std::string_view hostname,
                          std::int64_t pid,
                          std::int64_t counter,
                          std::string_view suffix = {});

// TensorBoard's own test (io_wrapper.IsSummaryEventsFile): the name contains "tfevents".
bool isEventFileName(std::string_view fileName);

// Every event file in a run folder and its subfolders (PyTorch Lightning and others write into
// tb/, version_0/, ... below the run), sorted by path so files of one folder come in the order
// they were created. A path to a single event file gives just that file. Symlinked folders are
// not followed (no cycles); unreadable subfolders are skipped. A folder without event files gives
// an empty list; a missing path is an IoError.
core::Result<std::vector<std::filesystem::path>> findEventFiles(const std::filesystem::path& runFolder);

} // namespace hdr::tensorboard
