#include "net/tls_context_source.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>

namespace dynamq::net {

CertificateSummary describe_certificate(asio::ssl::context& context) {
  CertificateSummary out;
  X509* cert = SSL_CTX_get0_certificate(context.native_handle());
  if (cert == nullptr) {
    return out;
  }
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    out.subject.assign(data, n > 0 ? static_cast<std::size_t>(n) : 0);
    BIO_free(bio);
  }
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) {
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    out.not_after = text;
  }
  out.expired = X509_cmp_current_time(X509_get0_notAfter(cert)) < 0;
  return out;
}

TlsContextSource::TlsContextSource(TlsOptions options)
    : options_(std::move(options)), current_(make_tls_context(options_)) {}

std::shared_ptr<asio::ssl::context> TlsContextSource::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void TlsContextSource::reload() {
  auto fresh = make_tls_context(options_);  // throws before anything changes
  std::lock_guard lock(mutex_);
  current_ = std::move(fresh);
}

CertificateSummary TlsContextSource::certificate() const {
  return describe_certificate(*current());
}

std::string TlsContextSource::file_of(const std::string& option) const {
  if (option == "certfile") {
    return options_.certfile;
  }
  if (option == "keyfile") {
    return options_.keyfile;
  }
  if (option == "cacertfile") {
    return options_.cacertfile;
  }
  return option;
}

}  // namespace dynamq::net
