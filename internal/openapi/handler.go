package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ServeHTTP serves
//
//	/openapi/v3                the index of group/version documents
//	/openapi/v3/api/v1         (and apis/<group>/<version>) one v3 document
//	/openapi/v2                Swagger 2.0, protobuf if Accept asks for it, else JSON
//	/swagger-2.0.0.pb-v1       Swagger 2.0 in protobuf, the legacy path of kubectl 1.27/1.28
//
// Other paths get a 404 Status.
func (d *Documents) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeStatus(w, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed,
			fmt.Sprintf("%s is not supported on %s", r.Method, r.URL.Path))
		return
	}
	switch path := r.URL.Path; {
	case path == "/openapi/v3" || path == "/openapi/v3/":
		serve(w, r, d.v3Index)
	case strings.HasPrefix(path, "/openapi/v3/"):
		d.serveV3(w, r, strings.TrimPrefix(path, "/openapi/v3/"))
	case path == "/openapi/v2":
		w.Header().Add("Vary", "Accept")
		if wantsProtobuf(r.Header.Values("Accept")) {
			serve(w, r, d.v2Proto)
		} else {
			serve(w, r, d.v2JSON)
		}
	case path == "/swagger-2.0.0.pb-v1":
		serve(w, r, d.v2Proto)
	default:
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, fmt.Sprintf("the path %q is not served", path))
	}
}

// serveV3 serves one group/version document. A ?hash= that matches makes
// the response cacheable forever; a stale one is redirected to the current
// document, as kube-openapi's handler3 does.
func (d *Documents) serveV3(w http.ResponseWriter, r *http.Request, gvPath string) {
	doc, ok := d.v3[gvPath]
	if !ok {
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, fmt.Sprintf("no OpenAPI document for %q", gvPath))
		return
	}
	if !acceptsJSON(r.Header.Values("Accept")) {
		// Only the JSON form is served; clients (client-go openapi3,
		// kubectl explain) always ask for it.
		writeStatus(w, http.StatusNotAcceptable, metav1.StatusReasonNotAcceptable, "only application/json is served for OpenAPI v3")
		return
	}
	switch hash := r.URL.Query().Get("hash"); hash {
	case "":
	case doc.hash:
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	default:
		http.Redirect(w, r, "/openapi/v3/"+gvPath+"?hash="+doc.hash, http.StatusMovedPermanently)
		return
	}
	serve(w, r, doc)
}

// serve writes doc with an ETag; http.ServeContent answers If-None-Match,
// HEAD and Range requests.
func serve(w http.ResponseWriter, r *http.Request, doc document) {
	w.Header().Set("Content-Type", doc.contentType)
	w.Header().Set("ETag", `"`+doc.hash+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(doc.body))
}

// wantsProtobuf reports whether the first usable media range of Accept is
// the protobuf Swagger type, in either its "@" or its dotted spelling.
// Quality values are ignored: clients that want protobuf list it first.
func wantsProtobuf(accept []string) bool {
	for _, mediaRange := range mediaRanges(accept) {
		switch mediaRange {
		case "application/com.github.proto-openapi.spec.v2@v1.0+protobuf", protobufV2:
			return true
		case "application/json", "application/*", "*/*":
			return false
		}
	}
	return false
}

// acceptsJSON reports whether Accept is absent or allows JSON.
func acceptsJSON(accept []string) bool {
	ranges := mediaRanges(accept)
	if len(ranges) == 0 {
		return true
	}
	for _, mediaRange := range ranges {
		if mediaRange == "application/json" || mediaRange == "application/*" || mediaRange == "*/*" {
			return true
		}
	}
	return false
}

// mediaRanges splits Accept headers into media types without parameters.
// It does not use mime.ParseMediaType, which rejects the "@" form.
func mediaRanges(accept []string) []string {
	var out []string
	for _, header := range accept {
		for part := range strings.SplitSeq(header, ",") {
			mediaType, _, _ := strings.Cut(part, ";")
			if mediaType = strings.ToLower(strings.TrimSpace(mediaType)); mediaType != "" {
				out = append(out, mediaType)
			}
		}
	}
	return out
}

// writeStatus answers with a metav1.Status, the only error body clients
// decode (client-compat.md §7).
func writeStatus(w http.ResponseWriter, code int, reason metav1.StatusReason, message string) {
	body, _ := json.Marshal(&metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Message:  message,
		Reason:   reason,
		Code:     int32(code),
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}
