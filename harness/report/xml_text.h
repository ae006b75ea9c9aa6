// Text made safe for XML 1.0 and HTML: junit.xml and report.html carry
// kernel log lines, scenario descriptions and file names, any of which may
// hold markup characters, control bytes or bytes that are not UTF-8.
//
// Must not: drop a printable character (a reader must see the log as the
// kernel wrote it), or let a byte through that makes the document invalid.
#pragma once

#include <string>
#include <string_view>

namespace flashfault::report {

// `text` escaped for element content and attribute values alike (& < > " '),
// invalid UTF-8 replaced by U+FFFD, control characters other than tab and
// newline (and CR) shown as "\xNN". In attributes (`attribute` true)
// newlines and tabs become character references, so they survive parsing.
std::string XmlEscape(std::string_view text, bool attribute = false);

}  // namespace flashfault::report
