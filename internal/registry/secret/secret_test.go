package secret

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry/registrytest"
)

func newSecret(typ corev1.SecretType, data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "default"}, Type: typ, Data: data}
}

func TestDefault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   corev1.Secret
		want corev1.Secret
	}{
		{name: "empty type is Opaque", want: corev1.Secret{Type: corev1.SecretTypeOpaque}},
		{name: "type kept", in: corev1.Secret{Type: corev1.SecretTypeTLS}, want: corev1.Secret{Type: corev1.SecretTypeTLS}},
		{
			name: "stringData becomes data",
			in:   corev1.Secret{StringData: map[string]string{"user": "admin"}},
			want: corev1.Secret{Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"user": []byte("admin")}},
		},
		{
			name: "stringData wins over data",
			in:   corev1.Secret{Data: map[string][]byte{"user": []byte("old"), "keep": []byte("k")}, StringData: map[string]string{"user": "new"}},
			want: corev1.Secret{Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"user": []byte("new"), "keep": []byte("k")}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.in.DeepCopy()
			Resource().Strategy.Default(s)
			if !apiequality.Semantic.DeepEqual(*s, tt.want) {
				t.Errorf("got %+v, want %+v", *s, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	data := func(kv ...string) map[string][]byte {
		m := map[string][]byte{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = []byte(kv[i+1])
		}
		return m
	}
	tests := []struct {
		name   string
		secret *corev1.Secret
		want   []string
	}{
		{name: "opaque", secret: newSecret(corev1.SecretTypeOpaque, data("a", "1", "b.c", "2"))},
		{name: "unknown type is not checked", secret: newSecret("example.com/custom", nil)},
		{
			name:   "bad key",
			secret: newSecret(corev1.SecretTypeOpaque, data("a/b", "x")),
			want:   []string{`data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`},
		},
		{name: "exactly 1 MiB", secret: newSecret(corev1.SecretTypeOpaque, data("a", strings.Repeat("x", maxSize)))},
		{
			name:   "over 1 MiB",
			secret: newSecret(corev1.SecretTypeOpaque, data("a", strings.Repeat("x", maxSize), "b", "y")),
			want:   []string{"data: Too long: may not be more than 1048576 bytes"},
		},
		{
			name:   "service account token without the account",
			secret: newSecret(corev1.SecretTypeServiceAccountToken, nil),
			want:   []string{"metadata.annotations[kubernetes.io/service-account.name]: Required value"},
		},
		{
			name: "service account token",
			secret: func() *corev1.Secret {
				s := newSecret(corev1.SecretTypeServiceAccountToken, nil)
				s.Annotations = map[string]string{corev1.ServiceAccountNameKey: "default"}
				return s
			}(),
		},
		{name: "dockerconfigjson", secret: newSecret(corev1.SecretTypeDockerConfigJson, data(".dockerconfigjson", `{"auths":{}}`))},
		{
			name:   "dockerconfigjson missing",
			secret: newSecret(corev1.SecretTypeDockerConfigJson, nil),
			want:   []string{"data[.dockerconfigjson]: Required value"},
		},
		{
			name:   "dockerconfigjson not JSON",
			secret: newSecret(corev1.SecretTypeDockerConfigJson, data(".dockerconfigjson", "{")),
			want:   []string{`data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": unexpected end of JSON input`},
		},
		{
			name:   "dockercfg missing",
			secret: newSecret(corev1.SecretTypeDockercfg, nil),
			want:   []string{"data[.dockercfg]: Required value"},
		},
		{name: "basic auth with only a password", secret: newSecret(corev1.SecretTypeBasicAuth, data("password", ""))},
		{
			name:   "basic auth with neither key",
			secret: newSecret(corev1.SecretTypeBasicAuth, nil),
			want:   []string{"data[username]: Required value", "data[password]: Required value"},
		},
		{
			name:   "ssh auth with an empty key",
			secret: newSecret(corev1.SecretTypeSSHAuth, data("ssh-privatekey", "")),
			want:   []string{"data[ssh-privatekey]: Required value"},
		},
		{name: "tls with empty values", secret: newSecret(corev1.SecretTypeTLS, data("tls.crt", "", "tls.key", ""))},
		{
			name:   "tls without keys",
			secret: newSecret(corev1.SecretTypeTLS, nil),
			want:   []string{"data[tls.crt]: Required value", "data[tls.key]: Required value"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			registrytest.CheckErrors(t, Resource().Strategy.Validate(t.Context(), tt.secret), tt.want...)
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	t.Parallel()
	frozen := newSecret(corev1.SecretTypeOpaque, map[string][]byte{"k": []byte("v")})
	frozen.Immutable = ptr.To(true)
	mutable := newSecret(corev1.SecretTypeOpaque, map[string][]byte{"k": []byte("v")})
	tests := []struct {
		name string
		old  *corev1.Secret
		edit func(*corev1.Secret)
		want []string
	}{
		{name: "labels of a frozen secret", old: frozen, edit: func(s *corev1.Secret) { s.Labels = map[string]string{"a": "b"} }},
		{name: "frozen data", old: frozen, edit: func(s *corev1.Secret) { s.Data["k"] = []byte("w") }, want: []string{"data: Forbidden: field is immutable when `immutable` is set"}},
		{name: "unfreeze", old: frozen, edit: func(s *corev1.Secret) { s.Immutable = ptr.To(false) }, want: []string{"immutable: Forbidden: field is immutable when `immutable` is set"}},
		{name: "mutable data", old: mutable, edit: func(s *corev1.Secret) { s.Data["k"] = []byte("w") }},
		{name: "freeze", old: mutable, edit: func(s *corev1.Secret) { s.Immutable = ptr.To(true) }},
		{
			name: "type change",
			old:  mutable,
			edit: func(s *corev1.Secret) { s.Type = corev1.SecretTypeSSHAuth; s.Data["ssh-privatekey"] = []byte("k") },
			want: []string{`type: Invalid value: "kubernetes.io/ssh-auth": field is immutable`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.old.DeepCopy()
			tt.edit(s)
			registrytest.CheckErrors(t, Resource().Strategy.ValidateUpdate(t.Context(), s, tt.old), tt.want...)
		})
	}
}

func TestTableAndFields(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	s := newSecret(corev1.SecretTypeTLS, map[string][]byte{"tls.crt": nil, "tls.key": nil})
	s.CreationTimestamp = metav1.NewTime(now.Add(-90 * time.Second))
	res := Resource()
	cells := res.Table.Row(s, now)
	want := []any{"s", "kubernetes.io/tls", int64(2), "90s"}
	if len(cells) != len(res.Table.Columns) || !apiequality.Semantic.DeepEqual(cells, want) {
		t.Errorf("cells = %v, want %v", cells, want)
	}
	if got := res.SelectableFields(s); !apiequality.Semantic.DeepEqual(got, fields.Set{"type": "kubernetes.io/tls"}) {
		t.Errorf("fields = %v", got)
	}
}
