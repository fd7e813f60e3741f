package pki

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// File names inside the data directory.
const (
	caCertFile      = "ca.crt"
	caKeyFile       = "ca.key"
	servingCertFile = "serving.crt"
	servingKeyFile  = "serving.key"
	tokenFile       = "token"
)

// LoadOrCreate reads the bundle kept in dir, or makes and saves a new one.
// A kept serving certificate that does not cover hosts is reissued by the
// same CA, so kubeconfigs written earlier stay valid. A missing or empty
// token file (a crash or a truncation) gets a new token, said on log: an
// empty credential would otherwise let anyone in. A token file that cannot
// be read, or holds something no client can send, is an error.
func LoadOrCreate(dir string, hosts []string, log *slog.Logger) (*Bundle, error) {
	b, err := load(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if b, err = New(hosts); err != nil {
			return nil, err
		}
		return b, b.save(dir)
	}
	if err != nil {
		return nil, err
	}
	changed, err := b.ensureToken(dir, log)
	if err != nil {
		return nil, err
	}
	if !b.Covers(hosts) {
		if err := b.Reissue(hosts); err != nil {
			return nil, err
		}
		changed = true
	}
	if changed {
		return b, b.save(dir)
	}
	return b, nil
}

func load(dir string) (*Bundle, error) {
	b := &Bundle{}
	for name, dst := range map[string]*[]byte{caCertFile: &b.CACertPEM, caKeyFile: &b.CAKeyPEM, servingCertFile: &b.ServingCertPEM, servingKeyFile: &b.ServingKeyPEM} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		*dst = data
	}
	// The token is read by ensureToken: a missing one alone is no reason
	// to make a new CA.
	return b, nil
}

// save writes the bundle with owner-only permissions; each file is written
// to a temporary name and renamed, so a crash never leaves half a key.
func (b *Bundle) save(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	files := map[string][]byte{caCertFile: b.CACertPEM, caKeyFile: b.CAKeyPEM, servingCertFile: b.ServingCertPEM, servingKeyFile: b.ServingKeyPEM, tokenFile: []byte(b.Token + "\n")}
	for name, data := range files {
		if err := WriteFileAtomic(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// WriteFileAtomic writes data to path through a temporary file and a rename.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
