package apiserver

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/scheme"
)

// scaleKind is what /scale reads and writes, whatever the workload.
var scaleKind = autoscalingv1.SchemeGroupVersion.WithKind("Scale")

// scaleResource describes autoscaling/v1 Scale for the patch machinery.
var scaleResource = &registry.Resource{
	GroupVersion: autoscalingv1.SchemeGroupVersion, Kind: "Scale", Plural: "scale",
	New: func() runtime.Object { return &autoscalingv1.Scale{} },
}

// serveScale serves GET, PUT and PATCH of a workload's scale subresource:
// an autoscaling/v1 Scale view of spec.replicas, status.replicas and the
// selector. Writes change spec.replicas through the main strategy.
func (s *Server) serveScale(w http.ResponseWriter, r *http.Request, req *Request) error {
	sc := req.Resource.Scale
	switch req.Verb {
	case "get":
		obj, err := req.Store.Get(r.Context(), req.Namespace, req.Name)
		if err != nil {
			return err
		}
		return s.respondScale(w, r, http.StatusOK, toScale(sc, obj))
	case "update", "patch":
	default:
		return apierrors.NewMethodNotSupported(req.Resource.GroupResource(), req.Verb)
	}
	body, dry, manager, err := writeRequest(r)
	if err != nil {
		return err
	}
	desired, err := s.desiredScale(w, r, req, body)
	if err != nil {
		return err
	}
	try := func(current runtime.Object) (runtime.Object, error) {
		if current == nil {
			return nil, apierrors.NewNotFound(req.Resource.GroupResource(), req.Name)
		}
		want, err := desired(toScale(sc, current))
		if err != nil {
			return nil, err
		}
		m, _ := meta.Accessor(current)
		if want.ResourceVersion != "" && want.ResourceVersion != m.GetResourceVersion() {
			return nil, apierrors.NewConflict(req.Resource.GroupResource(), req.Name, errors.New(conflictMessage))
		}
		if want.Spec.Replicas < 0 {
			return nil, apierrors.NewInvalid(scaleKind.GroupKind(), req.Name, fieldErrors("spec.replicas", want.Spec.Replicas, "must be greater than or equal to 0"))
		}
		sc.Set(current, want.Spec.Replicas)
		return current, nil
	}
	out, _, err := req.Store.Update(r.Context(), req.Namespace, req.Name, try, store.UpdateOptions{DryRun: dry, FieldManager: manager})
	if err != nil {
		return err
	}
	return s.respondScale(w, r, http.StatusOK, toScale(sc, out))
}

// desiredScale returns how to compute the wanted Scale from the current
// one: the PUT body as is, or the patch applied to it.
func (s *Server) desiredScale(w http.ResponseWriter, r *http.Request, req *Request, body []byte) (func(*autoscalingv1.Scale) (*autoscalingv1.Scale, error), error) {
	if req.Verb == "update" {
		obj, _, err := DecodeAny(w, r, body, scaleKind)
		if err != nil {
			return nil, err
		}
		want, ok := obj.(*autoscalingv1.Scale)
		if !ok {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("expected autoscaling/v1 Scale, got %T", obj))
		}
		if want.Name != req.Name {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", want.Name, req.Name))
		}
		return func(*autoscalingv1.Scale) (*autoscalingv1.Scale, error) { return want, nil }, nil
	}
	mt, err := requestMediaType(r)
	if err != nil {
		return nil, err
	}
	switch types.PatchType(mt) {
	case types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType:
	default:
		return nil, unsupportedMediaType()
	}
	apply, err := patcher(types.PatchType(mt), body, scaleResource)
	if err != nil {
		return nil, err
	}
	validation, err := fieldValidation(r)
	if err != nil {
		return nil, err
	}
	return func(current *autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
		obj, err := patchObject(w, scaleResource, current, apply, validation)
		if err != nil {
			return nil, err
		}
		return obj.(*autoscalingv1.Scale), nil
	}, nil
}

// toScale is the Scale view of a workload.
func toScale(sc *registry.Scale, obj runtime.Object) *autoscalingv1.Scale {
	m, _ := meta.Accessor(obj)
	spec, status, selector := sc.Get(obj)
	return &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{
			Name: m.GetName(), Namespace: m.GetNamespace(), UID: m.GetUID(),
			ResourceVersion: m.GetResourceVersion(), CreationTimestamp: m.GetCreationTimestamp(),
		},
		Spec:   autoscalingv1.ScaleSpec{Replicas: spec},
		Status: autoscalingv1.ScaleStatus{Replicas: status, Selector: selector},
	}
}

func (s *Server) respondScale(w http.ResponseWriter, r *http.Request, code int, sc *autoscalingv1.Scale) error {
	out, err := negotiate(r, answerPlain)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := scheme.Codecs.EncoderForVersion(out.info.Serializer, autoscalingv1.SchemeGroupVersion).Encode(sc, &buf); err != nil {
		return apierrors.NewInternalError(err)
	}
	w.Header().Set("Content-Type", out.info.MediaType)
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// fieldErrors is a one-error list for Invalid statuses.
func fieldErrors(path string, value any, detail string) field.ErrorList {
	return field.ErrorList{field.Invalid(field.NewPath(path), value, detail)}
}
