package openapi

import (
	"crypto/sha512"
	"encoding/hex"
	"strings"

	"google.golang.org/protobuf/proto"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// protobufV2 is the Content-Type of the protobuf Swagger document. Clients
// ask for "application/com.github.proto-openapi.spec.v2@v1.0+protobuf", but
// that form is not a valid MIME type and client-go's response decoding
// rejects it ("mime: unexpected content after media subtype"); kube-openapi
// answers with this dotted form, and so do we.
const protobufV2 = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

// encodeV2 encodes the Swagger 2.0 document with every path and definition,
// as JSON and as the gnostic protobuf kubectl 1.27/1.28 download.
func encodeV2(version string, defs *schemaBuilder, api *apiSpec) (jsonDoc, protoDoc document, err error) {
	paths := map[string]spec.PathItem{}
	for _, g := range api.gvs {
		for p, item := range g.paths {
			paths[p] = item
		}
	}
	sw := &spec.Swagger{SwaggerProps: spec.SwaggerProps{
		Swagger:     "2.0",
		Info:        info(version),
		Paths:       &spec.Paths{Paths: paths},
		Definitions: defs.defs,
	}}
	body, err := sw.MarshalJSON()
	if err != nil {
		return document{}, document{}, err
	}
	// kube-openapi's v2 handler gets the protobuf form from
	// openapi_v2.ParseDocument(body); protoDocument builds the same
	// message (tested) without re-parsing the JSON.
	pb, err := proto.MarshalOptions{Deterministic: true}.Marshal(protoDocument(sw))
	if err != nil {
		return document{}, document{}, err
	}
	return newDocument(body, "application/json"), newDocument(pb, protobufV2), nil
}

// document is one encoded response body.
type document struct {
	body        []byte
	contentType string
	// hash identifies the body; it is the ?hash= of the v3 index and,
	// quoted, the ETag.
	hash string
}

func newDocument(body []byte, contentType string) document {
	sum := sha512.Sum512_256(body)
	return document{body: body, contentType: contentType, hash: strings.ToUpper(hex.EncodeToString(sum[:]))}
}
