#include "support/TestSupport.h"

#include <QLocale>
#include <QStandardPaths>

#include <clocale>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace hdr::test {

std::filesystem::path sharedPath(const std::string& relative)
{
    return std::filesystem::path(HDR_SHARED_DIR) / relative;
}

bool haveShared(const std::string& relative)
{
    std::error_code ec;
    return std::filesystem::exists(sharedPath(relative), ec);
}

std::filesystem::path testDataPath(const std::string& relative)
{
    return std::filesystem::path(HDR_TEST_DATA_DIR) / relative;
}

std::filesystem::path resourcePath(const std::string& relative)
{
    return std::filesystem::path(HDR_RESOURCE_DIR) / relative;
}

std::vector<char> readAll(const std::filesystem::path& path)
{
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void writeAll(const std::filesystem::path& path, const std::vector<char>& bytes)
{
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), std::streamsize(bytes.size()));
}

void initTestEnvironment()
{
    QStandardPaths::setTestModeEnabled(true);
    std::setlocale(LC_ALL, "C");
    QLocale::setDefault(QLocale::c());
    if (!std::getenv("QT_QPA_PLATFORM")) {
        ::setenv("QT_QPA_PLATFORM", "offscreen", 1);
    }
    ::setenv("HDR_DEVICE", "cpu", 0);
    if (!std::getenv("HDR_OCIO_CONFIG")) {
        ::setenv("HDR_OCIO_CONFIG", (std::string(HDR_RESOURCE_DIR) + "/ocio/config.ocio").c_str(), 1);
    }
}

} // namespace hdr::test
