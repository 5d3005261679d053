// Md5Hex and PayloadHash (docs/data-compatibility.md), with OpenSSL's EVP MD5.
#include <openssl/evp.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "json/js_json.h"

namespace tc {

std::string Md5Hex(std::string_view text) {
  // Fetched once: EVP_md5() makes OpenSSL 3 look the algorithm up again on every digest.
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  // One context per thread, initialised again for each digest: EVP_Digest would allocate and free
  // a context (and MD5's state) every time.
  thread_local const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(),
                                                                                &EVP_MD_CTX_free);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest;
  unsigned int size = 0;
  // The digest fails only when no provider offers MD5 (e.g. a FIPS-only OpenSSL) or memory runs
  // out: the empty result is never a valid hash, and BuildDocument/MergeDocument refuse it.
  if (context == nullptr || EVP_DigestInit_ex2(context.get(), md5, nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), text.data(), text.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest.data(), &size) != 1) {
    return std::string();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(static_cast<std::size_t>(size) * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xF];
  }
  return hex;
}

std::string PayloadHash(const Json& payload) { return Md5Hex(JsStringify(payload)); }

}  // namespace tc
