package apiserver

import (
	"bytes"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/scheme"
)

var emptyGVK = schema.GroupVersionKind{}

func schemaGroupKind(kind string) schema.GroupKind {
	return schema.GroupKind{Group: metav1.GroupName, Kind: kind}
}

// respond negotiates the format and writes obj (an object or a list of
// res) with the status code.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, res *registry.Resource, code int, obj runtime.Object) error {
	ans := answerObject
	if meta.IsListType(obj) {
		ans = answerList
	}
	out, err := negotiate(r, ans)
	if err != nil {
		return err
	}
	obj, gv, err := s.transform(r, res, out.as, obj)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := scheme.Codecs.EncoderForVersion(out.info.Serializer, gv).Encode(obj, &buf); err != nil {
		return apierrors.NewInternalError(err)
	}
	w.Header().Set("Content-Type", out.info.MediaType)
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// transform applies `as=Table` or `as=PartialObjectMetadata[List]` and
// returns the object to encode with its group/version.
func (s *Server) transform(r *http.Request, res *registry.Resource, as string, obj runtime.Object) (runtime.Object, schema.GroupVersion, error) {
	switch as {
	case "Table":
		t, err := s.toTable(r, res, obj)
		return t, metav1.SchemeGroupVersion, err
	case "PartialObjectMetadata", "PartialObjectMetadataList":
		isList := meta.IsListType(obj)
		if isList != (as == "PartialObjectMetadataList") {
			return nil, emptyGVK.GroupVersion(), notAcceptable()
		}
		pm, err := toPartialMetadata(obj, isList)
		return pm, metav1.SchemeGroupVersion, err
	}
	return obj, res.GroupVersion, nil
}

// toPartialMetadata keeps only the metadata of obj (or of each item).
func toPartialMetadata(obj runtime.Object, isList bool) (runtime.Object, error) {
	if !isList {
		m, err := meta.Accessor(obj)
		if err != nil {
			return nil, err
		}
		return partial(m), nil
	}
	items, err := meta.ExtractList(obj)
	if err != nil {
		return nil, err
	}
	lm, err := meta.ListAccessor(obj)
	if err != nil {
		return nil, err
	}
	list := &metav1.PartialObjectMetadataList{ListMeta: metav1.ListMeta{
		ResourceVersion: lm.GetResourceVersion(), Continue: lm.GetContinue(), RemainingItemCount: lm.GetRemainingItemCount(),
	}}
	for _, item := range items {
		m, err := meta.Accessor(item)
		if err != nil {
			return nil, err
		}
		list.Items = append(list.Items, *partial(m))
	}
	return list, nil
}

func partial(m metav1.Object) *metav1.PartialObjectMetadata {
	pm := &metav1.PartialObjectMetadata{}
	pm.ObjectMeta = *objectMeta(m)
	return pm
}

// objectMeta copies the metadata of any object.
func objectMeta(m metav1.Object) *metav1.ObjectMeta {
	return &metav1.ObjectMeta{
		Name: m.GetName(), GenerateName: m.GetGenerateName(), Namespace: m.GetNamespace(),
		UID: m.GetUID(), ResourceVersion: m.GetResourceVersion(), Generation: m.GetGeneration(),
		CreationTimestamp: m.GetCreationTimestamp(), DeletionTimestamp: m.GetDeletionTimestamp(),
		DeletionGracePeriodSeconds: m.GetDeletionGracePeriodSeconds(), Labels: m.GetLabels(),
		Annotations: m.GetAnnotations(), OwnerReferences: m.GetOwnerReferences(),
		Finalizers: m.GetFinalizers(), ManagedFields: m.GetManagedFields(),
	}
}
