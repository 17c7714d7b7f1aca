#include "test_certificates.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <stdexcept>

namespace dynamq::net::test {

namespace fs = std::filesystem;

struct KeyPair {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  KeyPair() = default;
  KeyPair(const KeyPair&) = delete;
  KeyPair& operator=(const KeyPair&) = delete;
  ~KeyPair() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

struct TestPki::Cas {
  std::map<std::string, std::unique_ptr<KeyPair>> by_name;
};

namespace {

int counter = 0;

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) {
    throw std::runtime_error("bad test certificate extension");
  }
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `cn` valid from a minute ago for an hour, signed by `issuer` (or by
// itself when issuer is null).
std::unique_ptr<KeyPair> make(const std::string& cn, const KeyPair* issuer, bool ca) {
  auto kp = std::make_unique<KeyPair>();
  kp->key = EVP_EC_gen("P-256");
  kp->cert = X509_new();
  X509_set_version(kp->cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(kp->cert), ++counter);
  X509_gmtime_adj(X509_getm_notBefore(kp->cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(kp->cert), 3600);
  X509_set_pubkey(kp->cert, kp->key);
  X509_NAME* name = X509_get_subject_name(kp->cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("dynamq tests"), -1, -1, 0);
  if (!cn.empty()) {
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  }
  X509* signer_cert = issuer != nullptr ? issuer->cert : kp->cert;
  EVP_PKEY* signer_key = issuer != nullptr ? issuer->key : kp->key;
  X509_set_issuer_name(kp->cert, X509_get_subject_name(signer_cert));
  if (ca) {
    add_extension(kp->cert, signer_cert, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(kp->cert, signer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(kp->cert, signer_cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  }
  X509_sign(kp->cert, signer_key, EVP_sha256());
  return kp;
}

PemFiles write(const fs::path& dir, const std::string& name, const KeyPair& kp) {
  PemFiles files{(dir / (name + ".pem")).string(), (dir / (name + ".key")).string()};
  FILE* f = std::fopen(files.cert.c_str(), "w");
  PEM_write_X509(f, kp.cert);
  std::fclose(f);
  f = std::fopen(files.key.c_str(), "w");
  PEM_write_PrivateKey(f, kp.key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  return files;
}

}  // namespace

TestPki::TestPki() : cas_(std::make_unique<Cas>()) {
  dir_ = fs::temp_directory_path() /
         ("dynamq-pki-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  fs::create_directories(dir_);
}

TestPki::~TestPki() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

PemFiles TestPki::make_ca(const std::string& name, const std::string& cn) {
  auto kp = make(cn, nullptr, true);
  auto files = write(dir_, name, *kp);
  cas_->by_name[name] = std::move(kp);
  return files;
}

PemFiles TestPki::issue(const std::string& ca, const std::string& name, const std::string& cn) {
  const auto it = cas_->by_name.find(ca);
  if (it == cas_->by_name.end()) {
    throw std::runtime_error("no test CA " + ca);
  }
  return write(dir_, name, *make(cn, it->second.get(), false));
}

PemFiles TestPki::self_signed(const std::string& name, const std::string& cn) {
  return write(dir_, name, *make(cn, nullptr, false));
}

}  // namespace dynamq::net::test
