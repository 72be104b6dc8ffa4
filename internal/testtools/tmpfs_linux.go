package testtools

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// The environment of a child test process that mounts a tmpfs: where, and
// its size as mount(8) takes it.
const (
	tmpfsDirEnv      = "TESTTOOLS_TMPFS_DIR"
	tmpfsSizeEnv     = "TESTTOOLS_TMPFS_SIZE"
	tmpfsReadOnlyEnv = "TESTTOOLS_TMPFS_READ_ONLY"
)

// tmpfsNeeds says what mounting a tmpfs in a test needs.
const tmpfsNeeds = "mounting a tmpfs needs root, as in CI, or unprivileged user namespaces"

// OnTmpfs runs the calling test again in a child process, in a mount
// namespace of its own, where body gets dir, an empty tmpfs of size (e.g.
// "64m" or a number of bytes): a small volume, with the kernel's own
// free-space accounting and ENOSPC. The mount is private to the child, so
// a test killed midway leaves no mount behind. As root (as in CI) the
// child needs only a mount namespace; otherwise it also gets a user
// namespace, which most Linux systems grant unprivileged users. If neither
// works the test fails and says why: it does not skip.
//
// The calling test must do nothing but call OnTmpfs, or work that is
// deterministic and harmless to do twice: it runs in both processes.
func OnTmpfs(t *testing.T, size string, body func(t *testing.T, dir string)) {
	t.Helper()
	onTmpfs(t, size, false, body)
}

// OnReadOnlyTmpfs is OnTmpfs with an empty tmpfs mounted read-only: a
// folder that nobody, root included, can write to (chmod does not stop
// root). Processes the body starts see it too.
func OnReadOnlyTmpfs(t *testing.T, body func(t *testing.T, dir string)) {
	t.Helper()
	onTmpfs(t, "1m", true, body)
}

func onTmpfs(t *testing.T, size string, readOnly bool, body func(t *testing.T, dir string)) {
	t.Helper()
	if dir := os.Getenv(tmpfsDirEnv); dir != "" {
		mountTmpfs(t, dir, os.Getenv(tmpfsSizeEnv), os.Getenv(tmpfsReadOnlyEnv) != "")
		body(t, dir)
		return
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run="+runPattern(t.Name()), "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), tmpfsDirEnv+"="+t.TempDir(), tmpfsSizeEnv+"="+size)
	if readOnly {
		cmd.Env = append(cmd.Env, tmpfsReadOnlyEnv+"=1")
	}
	cmd.SysProcAttr = namespaces()
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the test in a mount namespace: %v (%s)", err, tmpfsNeeds)
	}
	err := cmd.Wait()
	t.Logf("child process on a %s tmpfs:\n%s", size, out.String())
	if err != nil {
		t.Fatalf("the test failed on a %s tmpfs: %v; its output is above", size, err)
	}
	if !strings.Contains(out.String(), "--- PASS: "+t.Name()) {
		t.Fatalf("the child process did not run %s", t.Name())
	}
}

// namespaces returns the attributes that start a child in a mount
// namespace of its own, in a user namespace too when not root.
func namespaces() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	if uid := os.Geteuid(); uid != 0 {
		attr.Cloneflags |= syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: uid, Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
	}
	return attr
}

// mountTmpfs makes every mount of the child's namespace private, so that
// nothing it mounts shows outside, and mounts a tmpfs of size on dir.
func mountTmpfs(t *testing.T, dir, size string, readOnly bool) {
	t.Helper()
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		t.Fatalf("make mounts private: %v (%s)", err, tmpfsNeeds)
	}
	flags := uintptr(syscall.MS_NOSUID | syscall.MS_NODEV)
	if readOnly {
		flags |= syscall.MS_RDONLY
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, "size="+size); err != nil {
		t.Fatalf("mount a %s tmpfs on %s: %v (%s)", size, dir, err, tmpfsNeeds)
	}
	t.Cleanup(func() {
		// Detach: a file the test left open must not fail the clean-up.
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
}

// runPattern returns the -test.run pattern that selects exactly the test
// or subtest named name.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}
