/*
Copyright The vmsnap Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package cluster

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func parseCert(t *testing.T, certPEM []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatalf("no PEM block in %q", certPEM)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func pool(certPEM []byte) *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(certPEM)
	return p
}

func TestPKIChains(t *testing.T) {
	p, err := newPKI()
	if err != nil {
		t.Fatal(err)
	}
	serving := parseCert(t, p.apiserver.certPEM)
	for _, host := range []string{"127.0.0.1", "localhost", "kubernetes.default.svc"} {
		if _, err := serving.Verify(x509.VerifyOptions{DNSName: host, Roots: pool(p.ca.certPEM)}); err != nil {
			t.Errorf("apiserver cert does not verify for %s: %v", host, err)
		}
	}

	clientUsage := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	admin := parseCert(t, p.admin.certPEM)
	if _, err := admin.Verify(x509.VerifyOptions{Roots: pool(p.ca.certPEM), KeyUsages: clientUsage}); err != nil {
		t.Errorf("admin cert does not verify as a client of the cluster CA: %v", err)
	}
	if !slices.Equal(admin.Subject.Organization, []string{"system:masters"}) {
		t.Errorf("admin groups = %v, want [system:masters]", admin.Subject.Organization)
	}

	proxy := parseCert(t, p.proxyClient.certPEM)
	if _, err := proxy.Verify(x509.VerifyOptions{Roots: pool(p.frontProxy.certPEM), KeyUsages: clientUsage}); err != nil {
		t.Errorf("front proxy client cert does not verify against the front proxy CA: %v", err)
	}
	if _, err := proxy.Verify(x509.VerifyOptions{Roots: pool(p.ca.certPEM), KeyUsages: clientUsage}); err == nil {
		t.Error("front proxy client cert verifies against the cluster CA; the two trust domains must stay apart")
	}
	if proxy.Subject.CommonName != frontProxyClientName {
		t.Errorf("front proxy client CN = %q, want %q", proxy.Subject.CommonName, frontProxyClientName)
	}
}

func TestServingCertificate(t *testing.T) {
	ca, err := newAuthority("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.servingCertificate("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: "127.0.0.1", Roots: pool(ca.certPEM)}); err != nil {
		t.Errorf("serving cert does not verify for 127.0.0.1: %v", err)
	}
}

func TestPKIWrite(t *testing.T) {
	p, err := newPKI()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "pki")
	if err := p.write(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{caCertFile, apiserverKeyFile, proxyClientCertFile, serviceAccountKeyFile, serviceAccountPubFile} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("missing %s: %v", name, err)
			continue
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, info.Mode().Perm())
		}
	}
}
