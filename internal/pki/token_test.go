package pki

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmptyOrMissingTokenIsRegenerated: a token file truncated by a crash
// must never load as the empty credential (which "Authorization: Bearer "
// would match); a new token is made, saved and announced, and the CA is
// kept so the serving certificate stays trusted.
func TestEmptyOrMissingTokenIsRegenerated(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		damage  func(path string) error
		wantLog string
	}{
		{"empty", func(p string) error { return os.WriteFile(p, nil, 0o600) }, "was empty"},
		{"whitespace only", func(p string) error { return os.WriteFile(p, []byte(" \n\n"), 0o600) }, "was empty"},
		{"missing", os.Remove, "was missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			first, err := LoadOrCreate(dir, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.damage(filepath.Join(dir, tokenFile)); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			b, err := LoadOrCreate(dir, nil, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			if b.Token == "" || b.Token == first.Token {
				t.Fatalf("token after damage = %q, want a new non-empty one", b.Token)
			}
			if !bytes.Equal(b.CACertPEM, first.CACertPEM) {
				t.Error("the CA was replaced: kubeconfigs would stop trusting the server")
			}
			if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), tc.wantLog) {
				t.Errorf("log = %q, want a WARN saying the token %s", logs.String(), tc.wantLog)
			}
			again, err := LoadOrCreate(dir, nil, nil)
			if err != nil || again.Token != b.Token {
				t.Errorf("reload: token %q, err %v; want the saved %q", again.Token, err, b.Token)
			}
		})
	}
}

// TestUnusableTokenRefusesToStart: a token file that cannot be read, or
// holds a token no client can send, stops start-up with the reason.
func TestUnusableTokenRefusesToStart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		damage func(path string) error
		want   string
	}{
		{"a directory", func(p string) error {
			if err := os.Remove(p); err != nil {
				return err
			}
			return os.Mkdir(p, 0o700)
		}, "refusing to start"},
		{"inner space", func(p string) error { return os.WriteFile(p, []byte("abc def\n"), 0o600) }, "visible ASCII"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if _, err := LoadOrCreate(dir, nil, nil); err != nil {
				t.Fatal(err)
			}
			if err := tc.damage(filepath.Join(dir, tokenFile)); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadOrCreate(dir, nil, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
}
