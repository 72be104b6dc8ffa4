//go:build browser

package api

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium; .ci/run installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found: install Debian's chromium package (apt-get install chromium), as .ci/run does")
	return ""
}

// newBrowser starts headless Chromium for the test, with no network
// access besides loopback.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

func TestLandingPageInBrowser(t *testing.T) {
	srv := testServer(t, make(chan struct{}))
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("#instances")); err != nil {
		t.Fatal(err)
	}
	title := run(ctx, t, chromedp.Title())
	table := run(ctx, t, chromedp.Text("#instances"))
	links := run(ctx, t, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("a")).map(a => a.getAttribute("href")).join(" ")`))
	shot := run(ctx, t, chromedp.FullScreenshot(100))
	if title != "RDS Backfill Exporter" {
		t.Errorf("title %q", title)
	}
	for _, want := range []string{"db-1", "postgres 16.3", "db.t4g.micro", "legacy", "onprem", "<b>mysql</b>"} {
		if !strings.Contains(table, want) {
			t.Errorf("instance table lacks %q:\n%s", want, table)
		}
	}
	for _, want := range []string{"/metrics", "/-/healthy", "/-/ready", "/api/v1/instances"} {
		if !strings.Contains(links, want) {
			t.Errorf("landing page lacks a link to %s: %s", want, links)
		}
	}
	if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" {
		if err := os.WriteFile(dir+"/landing.png", shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func run[T any](ctx context.Context, t *testing.T, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
