#include "common/utf8.h"

#include <catch2/catch.hpp>

TEST_CASE("IsValidUtf8 takes well-formed UTF-8 only", "[utf8]") {
  CHECK(ssm::IsValidUtf8(""));
  CHECK(ssm::IsValidUtf8("plain ascii"));
  CHECK(ssm::IsValidUtf8("jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3"));
  CHECK_FALSE(ssm::IsValidUtf8("jos\xe9"));                // Latin-1
  CHECK_FALSE(ssm::IsValidUtf8("\xc3"));                   // cut
  CHECK_FALSE(ssm::IsValidUtf8("\xc0\xaf"));               // overlong
  CHECK_FALSE(ssm::IsValidUtf8("\xed\xa0\x80"));           // surrogate
  CHECK_FALSE(ssm::IsValidUtf8("\xf4\x90\x80\x80"));       // beyond U+10FFFF
  CHECK_FALSE(ssm::IsValidUtf8("\xe2\x82"));               // cut
}

TEST_CASE("ToValidUtf8 replaces bad bytes with U+FFFD and keeps the rest", "[utf8]") {
  CHECK(ssm::ToValidUtf8("jos\xe9!") == "jos\xef\xbf\xbd!");
  CHECK(ssm::ToValidUtf8("\xc3\xa9") == "\xc3\xa9");
  CHECK(ssm::IsValidUtf8(ssm::ToValidUtf8("\xff\xfe\xc3")));
}

TEST_CASE("TruncateUtf8 never cuts inside a character", "[utf8]") {
  CHECK(ssm::TruncateUtf8("short", 300) == "short");
  std::string text = std::string(299, 'a') + "\xc3\xa9" + "tail";  // é at bytes 299-300
  std::string cut = ssm::TruncateUtf8(text, 300);
  CHECK(cut == std::string(299, 'a') + "...");
  CHECK(ssm::IsValidUtf8(cut));
  std::string euro = std::string(298, 'a') + "\xe2\x82\xac" + "tail";  // € at 298-300
  CHECK(ssm::TruncateUtf8(euro, 300) == std::string(298, 'a') + "...");
  CHECK(ssm::TruncateUtf8(std::string(301, 'a'), 300) == std::string(300, 'a') + "...");
}
