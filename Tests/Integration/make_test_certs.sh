#!/bin/sh
# Throwaway PKI for the TLS tests, written into the directory given (a fresh temp dir; nothing here is committed):
#   ca.pem/ca.key          a test CA
#   server.pem/server.key  for localhost and 127.0.0.1, signed by the CA
#   other.pem/other.key    for other.invalid only, signed by the CA (hostname-mismatch tests)
#   client.pem/client.key  a client certificate (mutual TLS), signed by the CA
# EC P-256 keys: generating them takes milliseconds, where RSA keys can take a second each on a loaded machine.
set -eu
dir="$1"
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key
openssl req -x509 -new -key ca.key -sha256 -days 2 -subj "/CN=noa-agent test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
leaf() {  # name, subject CN, extensions
    key "$1.key"
    openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
    printf '%s\n' "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 2 \
        -extfile "$1.ext" -out "$1.pem" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}
leaf server localhost "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
leaf other other.invalid "subjectAltName=DNS:other.invalid
extendedKeyUsage=serverAuth"
leaf client noa-agent-test-client "extendedKeyUsage=clientAuth"
