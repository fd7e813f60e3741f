package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/evictd/evictd/internal/flowcontrol"
	"github.com/evictd/evictd/internal/pki"
)

// TestParseTokenFile: kube-apiserver's static token file format, with its
// quirks (no comments, extra columns ignored, the last duplicate wins)
// and evictd's stricter checks, each error naming the line.
func TestParseTokenFile(t *testing.T) {
	t.Parallel()
	authenticated := flowcontrol.GroupAuthenticated
	for _, tc := range []struct {
		name    string
		file    string
		want    map[string]flowcontrol.User
		wantErr string
		wantLog string
	}{
		{name: "no groups", file: "t1,alice,1001\n",
			want: map[string]flowcontrol.User{"t1": {Name: "alice", UID: "1001", Groups: []string{authenticated}}}},
		{name: "quoted groups, extra columns, blank line", file: "t1,alice,1001,\"dev,ops\",extra\n\nt2,bob,1002,qa\n",
			want: map[string]flowcontrol.User{
				"t1": {Name: "alice", Groups: []string{"dev", "ops", authenticated}},
				"t2": {Name: "bob", Groups: []string{"qa", authenticated}}}},
		{name: "empty groups dropped", file: "t1,alice,1001,\",dev,,\"\n",
			want: map[string]flowcontrol.User{"t1": {Name: "alice", Groups: []string{"dev", authenticated}}}},
		{name: "system:authenticated given", file: "t1,alice,1001,\"system:authenticated,dev\"\n",
			want: map[string]flowcontrol.User{"t1": {Name: "alice", Groups: []string{authenticated, "dev"}}}},
		{name: "anonymous gets no group", file: "t1,system:anonymous,0\n",
			want: map[string]flowcontrol.User{"t1": {Name: "system:anonymous"}}},
		{name: "empty token skipped", file: ",alice,1001\nt2,bob,1002\n", wantLog: "line=1",
			want: map[string]flowcontrol.User{"t2": {Name: "bob", Groups: []string{authenticated}}}},
		{name: "duplicate token: the last wins", file: "t1,alice,1001\nt1,bob,1002\n", wantLog: "line=2 earlier=1",
			want: map[string]flowcontrol.User{"t1": {Name: "bob", Groups: []string{authenticated}}}},
		{name: "two columns", file: "t1,alice,1001\nt2,bob\n", wantErr: "tokens.csv line 2: want at least 3 columns (token, user name, user uid), found 2"},
		{name: "a comment is a record", file: "# tokens\nt1,alice,1001\n", wantErr: "tokens.csv line 1: want at least 3 columns"},
		{name: "bare quote", file: "t1,alice,1001\nt2,b\"ob,1002\n", wantErr: "tokens.csv: parse error on line 2"},
		{name: "token with a space", file: "t1,alice,1001\nt 2,bob,1002\n", wantErr: "tokens.csv line 2: bearer token holds ' '"},
		{name: "empty user name", file: "t1,,1001\n", wantErr: "tokens.csv line 1: user name is empty"},
		{name: "reserved user name", file: "t1,system:evictd:components,1\n", wantErr: "tokens.csv line 1: user name system:evictd:components is reserved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			tf, err := parseTokenFile(strings.NewReader(tc.file), "tokens.csv", slog.New(slog.NewTextHandler(&logs, nil)))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tf.Len() != len(tc.want) {
				t.Errorf("%d tokens, want %d", tf.Len(), len(tc.want))
			}
			for token, want := range tc.want {
				got, ok := tf.user(token)
				if !ok || got.Name != want.Name || (want.UID != "" && got.UID != want.UID) || !slices.Equal(got.Groups, want.Groups) {
					t.Errorf("token %s: %+v (%v), want %+v", token, got, ok, want)
				}
			}
			if !strings.Contains(logs.String(), tc.wantLog) {
				t.Errorf("log %q, want it to say %q", logs.String(), tc.wantLog)
			}
		})
	}
}

// TestTokenFileUsers: a token of the file authenticates as its user,
// whom whoami names and flow control classifies (in global-default even
// in system:masters: only the in-process components are exempt); the
// admin token keeps working and an unknown token is refused.
func TestTokenFileUsers(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tokens.csv")
	if err := os.WriteFile(path, []byte("alice-token,alice,1001,\"dev,system:masters\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tf, err := ReadTokenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := pki.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(t.Context(), Config{Listen: "127.0.0.1:0", PKI: bundle, TokenFile: tf, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(t.Context()) })
	var globalDefault string
	for _, l := range flowcontrol.Levels {
		if l.Name == "global-default" {
			globalDefault = string(l.UID)
		}
	}
	withToken := func(token string) *rest.Config {
		cfg := s.RESTConfig()
		cfg.BearerToken = token
		return cfg
	}
	for _, tc := range []struct {
		name   string
		cfg    *rest.Config
		want   authenticationv1.UserInfo
		status int
	}{
		{"file user", withToken("alice-token"), authenticationv1.UserInfo{Username: "alice", UID: "1001", Groups: []string{"dev", "system:masters", "system:authenticated"}}, http.StatusCreated},
		{"admin", s.RESTConfig(), authenticationv1.UserInfo{Username: "evictd-admin", Groups: []string{"system:masters", "system:authenticated"}}, http.StatusCreated},
		{"unknown token", withToken("bob-token"), authenticationv1.UserInfo{}, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			client := kubernetes.NewForConfigOrDie(tc.cfg)
			var status int
			res := client.AuthenticationV1().RESTClient().Post().Resource("selfsubjectreviews").
				Body(&authenticationv1.SelfSubjectReview{}).Do(t.Context()).StatusCode(&status)
			if status != tc.status {
				t.Fatalf("whoami: %d (%v), want %d", status, res.Error(), tc.status)
			}
			if tc.status != http.StatusCreated {
				return
			}
			review := &authenticationv1.SelfSubjectReview{}
			if err := res.Into(review); err != nil {
				t.Fatal(err)
			}
			if got := review.Status.UserInfo; got.Username != tc.want.Username || got.UID != tc.want.UID || !slices.Equal(got.Groups, tc.want.Groups) {
				t.Errorf("whoami: %+v, want %+v", got, tc.want)
			}
			if level := priorityLevel(t, tc.cfg, s.URL()+"/api/v1/namespaces"); level != globalDefault {
				t.Errorf("priority level UID %q, want global-default's %q", level, globalDefault)
			}
		})
	}
}

// priorityLevel GETs url through cfg and returns the priority level UID
// flow control answered with.
func priorityLevel(t *testing.T, cfg *rest.Config, url string) string {
	t.Helper()
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: transport}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return resp.Header.Get("X-Kubernetes-PF-PriorityLevel-UID")
}
