package pki

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// ensureToken reads the token kept in dir into b. A missing or empty file
// gets a fresh token (changed reports that it must be saved): a server
// must never start with an empty credential, which a client sending
// "Authorization: Bearer " would match. An unreadable file, or a token
// no client could send in a header, is an error that says why.
func (b *Bundle) ensureToken(dir string, log *slog.Logger) (changed bool, err error) {
	path := filepath.Join(dir, tokenFile)
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("read %s (refusing to start without a credential): %w", tokenFile, err)
	}
	b.Token = strings.TrimSpace(string(data))
	if b.Token != "" {
		return false, CheckToken(b.Token)
	}
	if b.Token, err = newToken(); err != nil {
		return false, err
	}
	reason := "empty"
	if data == nil {
		reason = "missing"
	}
	if log != nil {
		log.Warn("bearer token file was "+reason+": generated a new token; kubeconfigs written before no longer authenticate",
			"file", path)
	}
	return true, nil
}

// CheckToken refuses a token that cannot authenticate safely: an empty one
// (it would match an empty "Bearer " header) or one with characters a
// client cannot send in an Authorization header (spaces, control bytes).
func CheckToken(token string) error {
	if token == "" {
		return errors.New("bearer token is empty: it would let anyone in")
	}
	for _, c := range token {
		if c <= ' ' || c >= 0x7f {
			return fmt.Errorf("bearer token holds %q: only visible ASCII characters can be sent in a header", c)
		}
	}
	return nil
}
