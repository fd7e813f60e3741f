package apiserver

import (
	"mime"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/scheme"
)

// Media types evictd reads and writes.
const (
	mediaJSON     = runtime.ContentTypeJSON
	mediaYAML     = runtime.ContentTypeYAML
	mediaProtobuf = runtime.ContentTypeProtobuf
)

// output is the negotiated response format: a serializer and, for
// `as=Table` or `as=PartialObjectMetadata[List]`, the transformation of
// the object.
type output struct {
	info runtime.SerializerInfo
	// as is "", "Table", "PartialObjectMetadata" or "PartialObjectMetadataList".
	as string
}

// negotiate picks the first acceptable entry of the Accept header, as
// kube-apiserver does. An empty header means JSON.
func negotiate(r *http.Request, allowTransforms bool) (output, error) {
	accept := r.Header.Get("Accept")
	if strings.TrimSpace(accept) == "" {
		return output{info: serializerFor(mediaJSON)}, nil
	}
	for _, clause := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(clause))
		if err != nil {
			continue
		}
		info, ok := acceptable(mt)
		if !ok {
			continue
		}
		as := params["as"]
		if as == "" {
			return output{info: info}, nil
		}
		if !allowTransforms || params["g"] != "meta.k8s.io" || (params["v"] != "v1" && params["v"] != "v1beta1") {
			continue
		}
		switch as {
		case "Table", "PartialObjectMetadata", "PartialObjectMetadataList":
			return output{info: info, as: as}, nil
		}
	}
	return output{}, newStatusError(http.StatusNotAcceptable, metav1.StatusReasonNotAcceptable,
		"only the following media types are accepted: "+strings.Join(supportedMediaTypes(), ", "))
}

// acceptable maps a media range to a serializer.
func acceptable(mt string) (runtime.SerializerInfo, bool) {
	switch mt {
	case "*/*", "application/*":
		return serializerFor(mediaJSON), true
	}
	info := serializerFor(mt)
	return info, info.Serializer != nil
}

func serializerFor(mediaType string) runtime.SerializerInfo {
	info, _ := runtime.SerializerInfoForMediaType(scheme.Codecs.SupportedMediaTypes(), mediaType)
	return info
}

func supportedMediaTypes() []string {
	var out []string
	for _, i := range scheme.Codecs.SupportedMediaTypes() {
		out = append(out, i.MediaType)
	}
	return out
}

// requestMediaType returns the media type of a request body; a missing
// Content-Type is read as JSON, as upstream does.
func requestMediaType(r *http.Request) (string, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return mediaJSON, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", unsupportedMediaType()
	}
	return mt, nil
}
