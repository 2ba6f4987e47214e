package install

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"

	"vmsnap.io/vmsnap/tests/framework"
	"vmsnap.io/vmsnap/tests/framework/cluster"
)

// controllerProcess is the built vmsnap-controller binary, run as an
// operator would run it.
type controllerProcess struct {
	t           *testing.T
	name        string
	cmd         *exec.Cmd
	logPath     string
	healthPort  int
	metricsPort int
	// metricsHTTPS is set by --metrics-secure=true; metricsToken is then
	// the bearer token metric and scrape send.
	metricsHTTPS bool
	metricsToken string
	exited       chan struct{}
}

// startController runs the binary with the kubeconfig and extra flags.
// Metrics are plain HTTP on loopback unless args say --metrics-secure=true.
func startController(t *testing.T, name, kubeconfig string, args ...string) *controllerProcess {
	t.Helper()
	root, err := cluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	p := &controllerProcess{t: t, name: name, healthPort: framework.FreePort(t), metricsPort: framework.FreePort(t), exited: make(chan struct{})}
	p.logPath = filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(p.logPath)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(filepath.Join(root, "_output", "bin", "vmsnap-controller"), append([]string{
		"--kubeconfig", kubeconfig,
		"--health-bind-address", fmt.Sprintf("127.0.0.1:%d", p.healthPort),
		"--metrics-bind-address", fmt.Sprintf("127.0.0.1:%d", p.metricsPort),
		"--metrics-secure=false",
		"--api-poll-interval=1s",
		"--v=2",
	}, args...)...)
	p.metricsHTTPS = slices.Contains(args, "--metrics-secure=true")
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	p.cmd.Env = append(os.Environ(), "POD_NAMESPACE="+controllerNamespace)
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		_ = p.cmd.Wait()
		logFile.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s log (%s):\n%s", name, p.logPath, tail(p.logPath, 40))
		}
	})
	return p
}

// waitHealthy waits until /healthz answers.
func (p *controllerProcess) waitHealthy(ctx context.Context) {
	p.t.Helper()
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", p.healthPort))
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		p.t.Fatalf("%s: /healthz never answered 200; log:\n%s", p.name, tail(p.logPath, 30))
	}
}

// metricsGet GETs path on the metrics address with the bearer token (none
// when empty). Over HTTPS it does not verify the certificate, as the
// ServiceMonitor does not: the controller makes it at startup.
func (p *controllerProcess) metricsGet(path, token string) (int, string, error) {
	scheme, client := "http", http.DefaultClient
	if p.metricsHTTPS {
		scheme = "https"
		client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // self-signed, see above
		}}
	}
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s://127.0.0.1:%d%s", scheme, p.metricsPort, path), nil)
	if err != nil {
		return 0, "", err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// metric returns the value of an unlabelled metric, or -1 when absent.
func (p *controllerProcess) metric(name string) float64 {
	code, body, err := p.metricsGet("/metrics", p.metricsToken)
	if err != nil || code != http.StatusOK {
		return -1
	}
	scanner := bufio.NewScanner(strings.NewReader(body))
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) == 2 && fields[0] == name {
			v, err := strconv.ParseFloat(fields[1], 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// scrape returns the whole /metrics page.
func (p *controllerProcess) scrape() string {
	code, body, err := p.metricsGet("/metrics", p.metricsToken)
	if err != nil || code != http.StatusOK {
		return ""
	}
	return body
}

// kill ends the process at once, as a crashed or evicted pod would end.
func (p *controllerProcess) kill() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.exited
}

func (p *controllerProcess) log() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

// serviceAccountKubeconfig writes a kubeconfig that authenticates as the
// manifest's ServiceAccount with a fresh token.
func serviceAccountKubeconfig(t *testing.T, f *framework.Framework) string {
	t.Helper()
	tr, err := f.Kube.CoreV1().ServiceAccounts(controllerNamespace).CreateToken(f.Context(), "vmsnap-controller",
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("requesting a token for the vmsnap-controller ServiceAccount: %v", err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: f.Cluster.Host(), CertificateAuthorityData: f.Cluster.CACertPEM()}
	cfg.AuthInfos["vmsnap-controller"] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	cfg.Contexts["vmsnap-controller"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "vmsnap-controller"}
	cfg.CurrentContext = "vmsnap-controller"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
