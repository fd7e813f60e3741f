// Package scheme holds the one runtime.Scheme evictd serves from: every
// built-in Kubernetes type (from client-go's scheme) plus the meta.k8s.io
// types the API server answers with (Table, PartialObjectMetadata). Both
// values are built at package initialisation and never modified after, so
// sharing them is safe.
package scheme

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1beta1 "k8s.io/apimachinery/pkg/apis/meta/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// Scheme knows every type evictd encodes or decodes.
var Scheme = newScheme()

// Codecs decodes JSON, YAML and protobuf and reports unknown or duplicate
// fields as strict decoding errors, which the API server turns into
// warnings or 400s according to the request's fieldValidation.
var Codecs = serializer.NewCodecFactory(Scheme, serializer.EnableStrict)

// Protobuf is the raw protobuf serializer used for storage values.
var Protobuf = protobuf.NewSerializer(Scheme, Scheme)

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(metav1.AddMetaToScheme(s))
	utilruntime.Must(metav1beta1.AddMetaToScheme(s))
	metav1.AddToGroupVersion(s, metav1.SchemeGroupVersion)
	return s
}
