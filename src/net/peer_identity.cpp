#include "net/peer_identity.hpp"

#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace dynamq::net {

std::string verified_peer_common_name(ssl_st* ssl) {
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) {
    return {};
  }
  // X509_V_OK is also the result when the client sent no certificate at all.
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) {
    return {};
  }
  X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) {
    return {};
  }
  ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) {
    return {};
  }
  std::string cn(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  if (cn.find('\0') != std::string::npos) {
    return {};
  }
  return cn;
}

}  // namespace dynamq::net
