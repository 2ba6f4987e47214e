package serving

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/klog/v2"
	clocktesting "k8s.io/utils/clock/testing"
)

// writePair writes a fresh certificate for name and its key as PEM files.
func writePair(t *testing.T, dir, name string) (certFile, keyFile string) {
	t.Helper()
	cfg, err := SelfSignedTLSConfig([]string{name}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert := cfg.Certificates[0]
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func servedName(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	cert, err := cfg.GetCertificate(&tls.ClientHelloInfo{})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(leaf.DNSNames, ",")
}

func TestFileTLSConfigReloadsARenewedCertificate(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writePair(t, dir, "first.example")
	clk := clocktesting.NewFakePassiveClock(time.Now())
	cfg, err := FileTLSConfig(certFile, keyFile, clk, klog.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion < tls.VersionTLS12 {
		t.Errorf("MinVersion %x", cfg.MinVersion)
	}
	if got := servedName(t, cfg); got != "first.example" {
		t.Fatalf("serves %q", got)
	}

	writePair(t, dir, "second.example")
	if got := servedName(t, cfg); got != "first.example" {
		t.Errorf("reread before %s: serves %q", certRecheck, got)
	}
	clk.SetTime(clk.Now().Add(certRecheck))
	if got := servedName(t, cfg); got != "second.example" {
		t.Errorf("after the renewal and %s: serves %q, want second.example", certRecheck, got)
	}

	// A broken renewal keeps the last good certificate.
	if err := os.WriteFile(keyFile, []byte("half-written"), 0o600); err != nil {
		t.Fatal(err)
	}
	clk.SetTime(clk.Now().Add(certRecheck))
	if got := servedName(t, cfg); got != "second.example" {
		t.Errorf("after a broken renewal: serves %q, want second.example", got)
	}
}

func TestFileTLSConfigFailsOnBadFiles(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writePair(t, dir, "x.example")
	clk := clocktesting.NewFakePassiveClock(time.Now())
	if _, err := FileTLSConfig(filepath.Join(dir, "missing.crt"), keyFile, clk, klog.Background()); err == nil {
		t.Error("a missing certificate file was accepted")
	}
	if err := os.WriteFile(keyFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := FileTLSConfig(certFile, keyFile, clk, klog.Background()); err == nil {
		t.Error("an invalid key was accepted")
	}
}

// End to end over TLS: the self-signed certificate names its hosts, and the
// authorizer answers behind it.
func TestSelfSignedServerWithAuthorizer(t *testing.T) {
	cfg, err := SelfSignedTLSConfig([]string{"localhost", "127.0.0.1", "pod-0"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cfg.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(leaf.DNSNames, ",") != "localhost,pod-0" || len(leaf.IPAddresses) != 1 || !leaf.IPAddresses[0].Equal(net.ParseIP("127.0.0.1")) {
		t.Errorf("names %v, IPs %v", leaf.DNSNames, leaf.IPAddresses)
	}

	f := newAuthFixture()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: f.h, TLSConfig: cfg, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })

	// A scraper that trusts exactly this certificate verifies it.
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}, Timeout: 10 * time.Second}
	get := func(token string) int {
		req, _ := http.NewRequest("GET", "https://"+ln.Addr().String()+"/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	if got := get(""); got != http.StatusUnauthorized {
		t.Errorf("no token: %d", got)
	}
	if got := get("other-token"); got != http.StatusForbidden {
		t.Errorf("not allowed: %d", got)
	}
	if got := get("reader-token"); got != http.StatusOK {
		t.Errorf("allowed: %d", got)
	}
	// Plain HTTP gets no metrics.
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP was served")
		}
	}
}
