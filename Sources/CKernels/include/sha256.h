// SHA-256 (FIPS 180-4) of a byte string: the config hashes of a plan. In C, with the
// kernels, so that it is optimised in debug builds too (a dry-run hashes every run).
#ifndef RUNNER_SHA256_H
#define RUNNER_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Writes the 32-byte digest of message[0 ..< length] to digest (big-endian words).
void rk_sha256(const uint8_t *message, size_t length, uint8_t digest[32]);

#ifdef __cplusplus
}
#endif

#endif
