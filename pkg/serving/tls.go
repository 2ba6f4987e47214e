package serving

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"os"
	"sync"
	"time"

	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

// certRecheck is how often the certificate files are read again: a mounted
// Secret renewed by cert-manager is served without a restart.
const certRecheck = 30 * time.Second

// FileTLSConfig serves the certificate and key in certFile and keyFile,
// reloaded when they change. It fails when they cannot be loaded now.
func FileTLSConfig(certFile, keyFile string, clk clock.PassiveClock, logger klog.Logger) (*tls.Config, error) {
	f := &certFiles{certFile: certFile, keyFile: keyFile, clock: clk, logger: logger}
	if err := f.load(); err != nil {
		return nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: f.get}, nil
}

// certFiles is a certificate read from files, checked every certRecheck.
type certFiles struct {
	certFile, keyFile string
	clock             clock.PassiveClock
	logger            klog.Logger

	mu              sync.Mutex
	certPEM, keyPEM []byte
	cert            *tls.Certificate
	checked         time.Time
}

// load reads both files and swaps the certificate when they changed.
func (f *certFiles) load() error {
	certPEM, err := os.ReadFile(f.certFile)
	if err != nil {
		return fmt.Errorf("reading the metrics certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(f.keyFile)
	if err != nil {
		return fmt.Errorf("reading the metrics key: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checked = f.clock.Now()
	if f.cert != nil && bytes.Equal(certPEM, f.certPEM) && bytes.Equal(keyPEM, f.keyPEM) {
		return nil
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("loading the metrics certificate %s and key %s: %w", f.certFile, f.keyFile, err)
	}
	reloaded := f.cert != nil
	f.certPEM, f.keyPEM, f.cert = certPEM, keyPEM, &cert
	if leaf, err := x509.ParseCertificate(cert.Certificate[0]); err == nil {
		f.logger.Info("Loaded the metrics certificate", "file", f.certFile, "reloaded", reloaded,
			"subject", leaf.Subject.String(), "dnsNames", leaf.DNSNames, "notAfter", leaf.NotAfter)
	}
	return nil
}

func (f *certFiles) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	f.mu.Lock()
	due := f.clock.Since(f.checked) >= certRecheck
	f.mu.Unlock()
	if due {
		// A half-written renewal keeps the previous certificate in use.
		if err := f.load(); err != nil {
			f.logger.Error(err, "Keeping the previous metrics certificate")
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cert, nil
}

// SelfSignedTLSConfig serves a certificate made now, for hosts (DNS names
// or IP addresses). Scrapers cannot verify it; they skip verification.
func SelfSignedTLSConfig(hosts []string, now time.Time) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "vmsnap-controller-metrics"},
		// An hour back absorbs clock skew between scraper and controller.
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}
