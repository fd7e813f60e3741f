package apiserver

import (
	"mime"
	"net/http"
	"strings"

	"github.com/munnerz/goautoneg"
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

// answer is what a response carries; it decides which transformations a
// client may ask for.
type answer int

const (
	// answerPlain is an object that is never transformed (Scale).
	answerPlain answer = iota
	// answerObject is one object: Table or PartialObjectMetadata.
	answerObject
	// answerList is a list: Table or PartialObjectMetadataList.
	answerList
	// answerStream is a watch: any transformation, and the serializer must
	// frame a stream.
	answerStream
)

// negotiate picks the output for the Accept header as kube-apiserver does:
// clauses by decreasing q-value (goautoneg's order), the first one evictd
// can serve wins. Unlike upstream, a q=0 clause is never served: RFC 9110
// makes it "not acceptable". An empty header means JSON.
func negotiate(r *http.Request, ans answer) (output, error) {
	accept := r.Header.Get("Accept")
	if strings.TrimSpace(accept) == "" {
		return output{info: serializerFor(mediaJSON)}, nil
	}
	for _, clause := range goautoneg.ParseAccept(accept) {
		if clause.Q <= 0 {
			continue
		}
		info, ok := acceptable(strings.ToLower(clause.Type), strings.ToLower(clause.SubType))
		if !ok || (ans == answerStream && info.StreamSerializer == nil) {
			continue
		}
		if as, ok := transformation(clause.Params, info, ans); ok {
			return output{info: info, as: as}, nil
		}
	}
	return output{}, notAcceptable()
}

// transformation checks the as/g/v parameters of a clause against what the
// answer allows. Tables are JSON or YAML only, as upstream serves them: their
// cells are arbitrary JSON values that protobuf cannot carry.
func transformation(params map[string]string, info runtime.SerializerInfo, ans answer) (string, bool) {
	as := params["as"]
	if as == "" {
		return "", true
	}
	if ans == answerPlain || params["g"] != metav1.GroupName || (params["v"] != "v1" && params["v"] != "v1beta1") {
		return "", false
	}
	switch as {
	case "Table":
		return as, info.MediaType == mediaJSON || info.MediaType == mediaYAML
	case "PartialObjectMetadata":
		return as, ans != answerList
	case "PartialObjectMetadataList":
		return as, ans != answerObject
	}
	return "", false
}

// notAcceptable is upstream's 406 text.
func notAcceptable() error {
	return newStatusError(http.StatusNotAcceptable, metav1.StatusReasonNotAcceptable,
		"only the following media types are accepted: "+strings.Join(supportedMediaTypes(), ", "))
}

// acceptable maps a media range to a serializer.
func acceptable(typ, subtype string) (runtime.SerializerInfo, bool) {
	switch {
	case typ == "*" && subtype == "*", typ == "application" && subtype == "*":
		return serializerFor(mediaJSON), true
	}
	info := serializerFor(typ + "/" + subtype)
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
