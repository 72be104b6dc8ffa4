package e2e

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

// With --web.systemd-socket the exporter serves on the socket systemd
// passes (file descriptor 3, LISTEN_FDS and LISTEN_PID), as systemd's
// socket activation does, and not on --web.listen-address.
func TestSystemdSocketActivation(t *testing.T) {
	sim := startSim(t, awssim.Options{Instances: 1})
	var lc net.ListenConfig
	ln, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	_ = ln.Close() // the child has its own copy of the socket through f
	unused := testtools.FreeAddr(t)
	// LISTEN_PID must be the exporter's PID: the shell sets it to its own
	// and execs the exporter, which keeps it.
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"`, exporterBin, "serve",
		"--web.systemd-socket", "--web.listen-address="+unused, "--backfill.disabled")
	cmd.ExtraFiles = []*os.File{f}
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+sim.URL(), "AWS_REGION="+sim.Region(),
		"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_EC2_METADATA_DISABLED=true")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	_ = f.Close()
	testtools.Eventually(t, 60*time.Second, 100*time.Millisecond, func() error {
		resp, err := http.Get("http://" + ln.Addr().String() + "/-/ready")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/-/ready: %s", resp.Status)
		}
		return nil
	})
	if resp, err := http.Get("http://" + unused + "/-/healthy"); err == nil {
		resp.Body.Close()
		t.Errorf("the exporter also listens on --web.listen-address %s", unused)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait() // the logs are complete, and no longer written
	if !bytes.Contains(logs.Bytes(), []byte("systemd activated listeners")) {
		t.Errorf("no log of the systemd listeners:\n%s", logs.String())
	}
}
