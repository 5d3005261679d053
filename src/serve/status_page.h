// `serve`'s status page (GET /): one self-contained HTML page built from the status document
// (serve/status_report.h). Without JavaScript it is a server-rendered summary; with it, the
// page redraws itself from /api/status every 5 s with a progress bar and charts of the last runs.
// Everything it needs is inline: it loads nothing but /api/status.
#pragma once

#include <string>

#include "json/js_json.h"

namespace tc {

std::string RenderStatusPage(const Json& document);

std::string HtmlEscape(const std::string& text);

// `document` as JSON text that is safe inside a <script> element (no "</script>", no "<!--").
std::string JsonForScriptElement(const Json& document);

}  // namespace tc
