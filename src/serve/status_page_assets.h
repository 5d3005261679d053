// The status page's stylesheet, script and the skeleton the script fills, from the files in
// serve/assets/ (compiled in at build time by cmake/EmbedAssets.cmake; serve/status_page.h puts
// them together). The page needs nothing but this process: no CDN, no font or chart library.
#pragma once

namespace tc {

extern const char* const kStatusPageStyle;   // assets/status_page.css
extern const char* const kStatusPageScript;  // assets/status_page.js
extern const char* const kStatusPageBody;    // assets/status_page_body.html

}  // namespace tc
