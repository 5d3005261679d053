// The status page's inline stylesheet, script and the skeleton the script fills
// (serve/status_page.h puts them together).
#pragma once

namespace tc {

extern const char* const kStatusPageStyle;
extern const char* const kStatusPageScript;
extern const char* const kStatusPageBody;

}  // namespace tc
