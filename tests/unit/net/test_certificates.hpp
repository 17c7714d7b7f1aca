// Certificates made on the fly for TLS tests (a CA, certificates it signs, self-signed ones),
// written as PEM files in a temporary directory that is removed afterwards. Nothing here is
// ever committed.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace dynamq::net::test {

struct KeyPair;  // an EVP_PKEY + X509, freed by the destructor

// One certificate and its key as PEM files.
struct PemFiles {
  std::string cert;
  std::string key;
};

class TestPki {
 public:
  TestPki();
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // A self-signed CA certificate; `name` names its files.
  PemFiles make_ca(const std::string& name, const std::string& cn);
  // A certificate signed by the CA called `ca` (made by make_ca). An empty `cn` leaves the
  // subject without a CN.
  PemFiles issue(const std::string& ca, const std::string& name, const std::string& cn);
  // A self-signed leaf certificate (no CA).
  PemFiles self_signed(const std::string& name, const std::string& cn);

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  struct Cas;
  std::unique_ptr<Cas> cas_;
};

}  // namespace dynamq::net::test
