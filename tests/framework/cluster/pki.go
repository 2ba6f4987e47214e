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
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certValidity is long enough for a local cluster left running for weeks.
const certValidity = 365 * 24 * time.Hour

// authority is a certificate authority that issues the cluster's leaf
// certificates.
type authority struct {
	cert    *x509.Certificate
	certPEM []byte
	key     crypto.Signer
}

// keyPair is an issued certificate and its private key, PEM encoded.
type keyPair struct {
	certPEM []byte
	keyPEM  []byte
}

// newAuthority creates a self-signed CA. ECDSA keeps generation instant,
// which matters because every cluster start makes fresh keys.
func newAuthority(commonName string) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	template, err := baseTemplate(commonName, nil)
	if err != nil {
		return nil, err
	}
	template.IsCA = true
	template.BasicConstraintsValid = true
	template.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, template, template, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("self-signing %q: %w", commonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &authority{cert: cert, certPEM: encodeCert(der), key: key}, nil
}

// issueClient issues a client certificate; organizations become the
// user's groups in Kubernetes.
func (a *authority) issueClient(commonName string, organizations ...string) (keyPair, error) {
	template, err := baseTemplate(commonName, organizations)
	if err != nil {
		return keyPair{}, err
	}
	template.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	return a.issue(template)
}

// issueServing issues a serving certificate for the given DNS names and IP
// addresses.
func (a *authority) issueServing(commonName string, hosts ...string) (keyPair, error) {
	template, err := baseTemplate(commonName, nil)
	if err != nil {
		return keyPair{}, err
	}
	template.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	for _, host := range hosts {
		if ip := net.ParseIP(host); ip != nil {
			template.IPAddresses = append(template.IPAddresses, ip)
		} else {
			template.DNSNames = append(template.DNSNames, host)
		}
	}
	return a.issue(template)
}

func (a *authority) issue(template *x509.Certificate) (keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keyPair{}, err
	}
	template.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, template, a.cert, key.Public(), a.key)
	if err != nil {
		return keyPair{}, fmt.Errorf("issuing %q: %w", template.Subject.CommonName, err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return keyPair{}, err
	}
	return keyPair{certPEM: encodeCert(der), keyPEM: keyPEM}, nil
}

func (a *authority) keyPEM() ([]byte, error) {
	return encodeKey(a.key)
}

func baseTemplate(commonName string, organizations []string) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName, Organization: organizations},
		// Backdated so that a slightly skewed clock never sees a cert from the future.
		NotBefore: now.Add(-time.Hour),
		NotAfter:  now.Add(certValidity),
	}, nil
}

func encodeCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func encodeKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// pki holds every credential the control plane needs.
type pki struct {
	ca          *authority
	frontProxy  *authority
	apiserver   keyPair
	admin       keyPair
	proxyClient keyPair
	// serviceAccountKey signs service account tokens; the apiserver verifies
	// them with its public half.
	serviceAccountKey    []byte
	serviceAccountPubKey []byte
}

// Names of the files written by writePKI, relative to the pki directory.
const (
	caCertFile            = "ca.crt"
	caKeyFile             = "ca.key"
	apiserverCertFile     = "apiserver.crt"
	apiserverKeyFile      = "apiserver.key"
	adminCertFile         = "admin.crt"
	adminKeyFile          = "admin.key"
	frontProxyCACertFile  = "front-proxy-ca.crt"
	proxyClientCertFile   = "front-proxy-client.crt"
	proxyClientKeyFile    = "front-proxy-client.key"
	serviceAccountKeyFile = "sa.key"
	serviceAccountPubFile = "sa.pub"
)

// frontProxyClientName is the identity the aggregator presents to extension
// API servers; they only trust request headers from this name.
const frontProxyClientName = "front-proxy-client"

// apiserverHosts are the names clients may use for the apiserver: loopback
// from outside, and the in-cluster names for completeness.
var apiserverHosts = []string{
	"127.0.0.1", "localhost",
	"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
	kubernetesServiceIP,
}

func newPKI() (*pki, error) {
	ca, err := newAuthority("vmsnap-test-ca")
	if err != nil {
		return nil, err
	}
	frontProxy, err := newAuthority("vmsnap-test-front-proxy-ca")
	if err != nil {
		return nil, err
	}
	p := &pki{ca: ca, frontProxy: frontProxy}
	if p.apiserver, err = ca.issueServing("kube-apiserver", apiserverHosts...); err != nil {
		return nil, err
	}
	if p.admin, err = ca.issueClient("vmsnap-test-admin", "system:masters"); err != nil {
		return nil, err
	}
	if p.proxyClient, err = frontProxy.issueClient(frontProxyClientName); err != nil {
		return nil, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if p.serviceAccountKey, err = encodeKey(saKey); err != nil {
		return nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(saKey.Public())
	if err != nil {
		return nil, err
	}
	p.serviceAccountPubKey = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	return p, nil
}

// write stores the credentials as files for the components' flags.
func (p *pki) write(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	caKey, err := p.ca.keyPEM()
	if err != nil {
		return err
	}
	files := map[string][]byte{
		caCertFile:            p.ca.certPEM,
		caKeyFile:             caKey,
		apiserverCertFile:     p.apiserver.certPEM,
		apiserverKeyFile:      p.apiserver.keyPEM,
		adminCertFile:         p.admin.certPEM,
		adminKeyFile:          p.admin.keyPEM,
		frontProxyCACertFile:  p.frontProxy.certPEM,
		proxyClientCertFile:   p.proxyClient.certPEM,
		proxyClientKeyFile:    p.proxyClient.keyPEM,
		serviceAccountKeyFile: p.serviceAccountKey,
		serviceAccountPubFile: p.serviceAccountPubKey,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// servingCertificate issues a TLS serving certificate signed by ca, for test
// servers the apiserver must trust (an aggregated API's caBundle is then the
// cluster CA).
func (a *authority) servingCertificate(hosts ...string) (tls.Certificate, error) {
	pair, err := a.issueServing(hosts[0], hosts...)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(pair.certPEM, pair.keyPEM)
}
