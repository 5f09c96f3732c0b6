#pragma once
// The Unicode operations the slow transformers CLIPTokenizer applies when ftfy is absent (oracle
// README gotcha 1), each reproducing the Python function it is named after, on code points.
// Torch-free.
#include <string>
#include <string_view>

namespace hdr::diffusion::unicode {

// UTF-8 -> code points. Invalid sequences become U+FFFD (which _clean_text then drops), like a
// lenient decoder; the prompt text comes from users and files, so this never throws.
std::u32string decodeUtf8(std::string_view text);
std::string encodeUtf8(std::u32string_view text);
void appendUtf8(std::string& out, char32_t cp);

bool isControl(char32_t cp);        // general category C* (BasicTokenizer treats \t \n \r apart)
bool isSpaceSeparator(char32_t cp); // category Zs
bool isPythonSpace(char32_t cp);    // str.isspace()
bool isRegexLetter(char32_t cp);    // regex [\p{L}] (IGNORECASE)
bool isRegexNumber(char32_t cp);    // regex [\p{N}] (IGNORECASE)
bool isRegexOther(char32_t cp);     // regex [^\s\p{L}\p{N}] (IGNORECASE); U+0345 is in no class
bool isCjkIdeograph(char32_t cp);   // BasicTokenizer._is_chinese_char (CJK ideographs, not kana/hangul)

// unicodedata.normalize("NFC", text): canonical decomposition (Hangul algorithmic), canonical
// ordering, canonical composition with blocking and composition exclusions.
std::u32string nfc(std::u32string_view text);
// str.lower(): full lowercase mapping incl. U+0130 -> "i̇" and the Final_Sigma rule for U+03A3.
std::u32string pythonLower(std::u32string_view text);

} // namespace hdr::diffusion::unicode
