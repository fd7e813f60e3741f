package server

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/evictd/evictd/internal/flowcontrol"
	"github.com/evictd/evictd/internal/pki"
)

// TokenFile is what a kube-apiserver static token file
// (--token-auth-file) says: the user each bearer token authenticates as.
type TokenFile struct {
	users map[string]flowcontrol.User
}

// ReadTokenFile reads a static token file in kube-apiserver's format: CSV
// records "token,user name,user uid" and optionally a fourth column of
// comma-separated groups ("t0k3n,alice,1001,\"dev,ops\""); more columns
// are ignored, blank lines skipped; there are no comments. As upstream, a
// record with an empty token is skipped and a repeated token's last
// record wins, both said at WARN. Stricter than upstream, each naming the
// line: a token no client can send in a header, an empty user name and
// the in-process components' reserved name are errors.
func ReadTokenFile(path string, log *slog.Logger) (*TokenFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseTokenFile(f, path, log)
}

func parseTokenFile(r io.Reader, path string, log *slog.Logger) (*TokenFile, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tf := &TokenFile{users: map[string]flowcontrol.User{}}
	lines := map[string]int{}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // records may have 3 or more columns
	for {
		record, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return tf, nil
		}
		if err != nil { // a csv.ParseError names its line
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := cr.FieldPos(0)
		token, user, err := tokenRecord(record)
		switch {
		case err != nil:
			return nil, fmt.Errorf("%s line %d: %w", path, line, err)
		case token == "":
			log.Warn("token file: empty token, record skipped", "file", path, "line", line)
			continue
		}
		if first, seen := lines[token]; seen {
			log.Warn("token file: duplicate token, this record replaces the earlier one", "file", path, "line", line, "earlier", first)
		}
		lines[token], tf.users[token] = line, user
	}
}

// tokenRecord reads one record: its token (empty: skip the record) and
// the user, with system:authenticated added as upstream's authenticated
// group adder does (unless the user is anonymous or names either group).
func tokenRecord(record []string) (string, flowcontrol.User, error) {
	if len(record) < 3 {
		return "", flowcontrol.User{}, fmt.Errorf("want at least 3 columns (token, user name, user uid), found %d", len(record))
	}
	token, user := record[0], flowcontrol.User{Name: record[1], UID: record[2]}
	if token == "" {
		return "", user, nil
	}
	if err := pki.CheckToken(token); err != nil {
		return "", user, err
	}
	switch user.Name {
	case "":
		return "", user, errors.New("user name is empty")
	case flowcontrol.ComponentsUser:
		return "", user, fmt.Errorf("user name %s is reserved for evictd's in-process components", user.Name)
	}
	if len(record) > 3 {
		// Upstream would keep an empty group ("" or "a,,b"); no user
		// can be in a group without a name, so evictd drops them.
		user.Groups = slices.DeleteFunc(strings.Split(record[3], ","), func(g string) bool { return g == "" })
	}
	if user.Name != flowcontrol.Anonymous.Name && !user.InGroup(flowcontrol.GroupAuthenticated) && !user.InGroup(flowcontrol.GroupUnauthenticated) {
		user.Groups = append(user.Groups, flowcontrol.GroupAuthenticated)
	}
	return token, user, nil
}

// Len is the number of tokens.
func (f *TokenFile) Len() int {
	if f == nil {
		return 0
	}
	return len(f.users)
}

// user is the user token authenticates as; false if none (or no file).
func (f *TokenFile) user(token string) (flowcontrol.User, bool) {
	if f == nil {
		return flowcontrol.User{}, false
	}
	u, ok := f.users[token]
	return u, ok
}
