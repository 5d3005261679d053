// Recognising JSON text that is already in JSON.stringify's form, without building it. A pass's
// payload in a stored document was written by JsStringify: when its text reads back unchanged,
// the next refresh can keep that text as it is (for the document and its hash comparison) instead
// of parsing it into a tree, comparing the tree and freeing it again. Written by hand: no
// packaged library answers "would JSON.stringify(JSON.parse(t)) give back t".
#pragma once

#include <cstddef>
#include <string_view>

namespace tc {

// The length of the JSON value at the start of `text` when JsStringify(ParseJsJson(value)) gives
// back exactly that value's bytes and it nests at most `max_depth` arrays and objects; 0 otherwise
// (not JSON, not in that form, or too deep). `text` may go on after the value; it must be
// well-formed UTF-8 (check with FirstInvalidUtf8 first: ParseJsJson reads ill-formed bytes as
// U+FFFD, which this scan does not).
//
// Conservative: it also answers 0 for some text that is in that form, when checking would cost
// more than it saves: any \u escape (control characters and lone surrogates), an object key made
// only of digits (JavaScript may list such keys first), and numbers that overflow or underflow a
// double. Answering 0 only means the caller parses the text instead.
std::size_t CanonicalJsonLength(std::string_view text, std::size_t max_depth);

}  // namespace tc
