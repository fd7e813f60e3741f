package apiserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/scheme"
)

// maxJSONPatchOperations bounds JSON patches as upstream does.
const maxJSONPatchOperations = 10000

// armCopyLimit bounds what the "copy" operations of one JSON patch may add
// to the document, as kube-apiserver does: its JSONPatchMaxCopyBytes
// (3 MiB, the request body limit) goes into json-patch v4's only knob, a
// package variable. Without it, 18 copies of a 1 KB map doubling itself ask
// for 256 GB. Every Apply calls it first, so the write happens before any
// read of the variable.
var armCopyLimit = sync.OnceFunc(func() {
	jsonpatch.AccumulatedCopySizeLimit = MaxRequestBodyBytes
})

// patch serves PATCH of an object or its status in the four patch types
// kubectl and client-go send.
func (s *Server) patch(w http.ResponseWriter, r *http.Request, req *Request) error {
	body, dry, manager, err := writeRequest(r)
	if err != nil {
		return err
	}
	validation, err := fieldValidation(r)
	if err != nil {
		return err
	}
	mt, err := requestMediaType(r)
	if err != nil {
		return err
	}
	var out runtime.Object
	var created bool
	switch types.PatchType(mt) {
	case types.ApplyYAMLPatchType:
		force := r.URL.Query().Get("force") == "true"
		out, created, err = req.Store.Apply(r.Context(), req.Namespace, req.Name, body,
			store.ApplyOptions{DryRun: dry, FieldManager: r.URL.Query().Get("fieldManager"), Force: force, Subresource: req.Subresource})
	case types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType:
		apply, perr := patcher(types.PatchType(mt), body, req.Resource)
		if perr != nil {
			return perr
		}
		try := func(current runtime.Object) (runtime.Object, error) {
			if current == nil {
				return nil, apierrors.NewNotFound(req.Resource.GroupResource(), req.Name)
			}
			obj, err := patchObject(w, req.Resource, current, apply, validation)
			if err != nil {
				return nil, err
			}
			return obj, checkResourceVersion(req, current, obj)
		}
		out, _, err = req.Store.Update(r.Context(), req.Namespace, req.Name, try,
			store.UpdateOptions{DryRun: dry, FieldManager: manager, Subresource: req.Subresource})
	default:
		return unsupportedMediaType()
	}
	if err != nil {
		return err
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	return s.respond(w, r, req.Resource, code, out)
}

// patcher parses the patch once and returns the function that applies it
// to the JSON of the current object.
func patcher(pt types.PatchType, patch []byte, res *registry.Resource) (func([]byte) ([]byte, error), error) {
	switch pt {
	case types.JSONPatchType:
		p, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		if len(p) > maxJSONPatchOperations {
			return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("The allowed maximum operations in a JSON patch is %d, got %d", maxJSONPatchOperations, len(p)))
		}
		return func(doc []byte) ([]byte, error) {
			armCopyLimit()
			out, err := p.Apply(doc)
			if err != nil {
				// Like kube-apiserver: a well-formed patch that does not
				// apply (a failed "test", a missing path) is a bare 422.
				return nil, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
			}
			return out, nil
		}, nil
	case types.MergePatchType:
		if !json.Valid(patch) {
			return nil, apierrors.NewBadRequest("error decoding patch: invalid JSON")
		}
		return func(doc []byte) ([]byte, error) { return jsonpatch.MergePatch(doc, patch) }, nil
	}
	var m map[string]any
	if err := json.Unmarshal(patch, &m); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding patch: %v", err))
	}
	schema, err := strategicpatch.NewPatchMetaFromStruct(res.New())
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return func(doc []byte) ([]byte, error) {
		return strategicpatch.StrategicMergePatchUsingLookupPatchMeta(doc, patch, schema)
	}, nil
}

// checkResourceVersion makes a resourceVersion the patch wrote into the
// object a precondition, as upstream's optimistic lock does for every
// update: the patched object must carry the current one (or none).
func checkResourceVersion(req *Request, current, patched runtime.Object) error {
	cm, err := meta.Accessor(current)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	pm, err := meta.Accessor(patched)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	if rv := pm.GetResourceVersion(); rv != "" && rv != cm.GetResourceVersion() {
		return apierrors.NewConflict(req.Resource.GroupResource(), req.Name, errors.New(conflictMessage))
	}
	return nil
}

// tooLarge is the 413 for a patched object beyond the request limit.
func tooLarge(size int) error {
	return apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("the patched object is %d bytes, limit is %d", size, MaxRequestBodyBytes))
}

// patchObject applies a patch to current and decodes the result as the
// resource's kind, applying fieldValidation to unknown fields.
func patchObject(w http.ResponseWriter, res *registry.Resource, current runtime.Object, apply func([]byte) ([]byte, error), validation string) (runtime.Object, error) {
	doc, err := runtime.Encode(scheme.Codecs.LegacyCodec(res.GroupVersion), current)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	patched, err := apply(doc)
	if _, ok := err.(apierrors.APIStatus); ok {
		return nil, err
	}
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if len(patched) > MaxRequestBodyBytes {
		// What a client could not send as a body, it cannot build with a
		// patch either: a merge patch can double an object, and decoding
		// the result would take several times its size again.
		return nil, tooLarge(len(patched))
	}
	info := serializerFor(mediaJSON)
	want := res.GroupVersionKind()
	obj, gvk, err := info.Serializer.Decode(patched, &want, res.New())
	if err != nil && !runtime.IsStrictDecodingError(err) {
		return nil, apierrors.NewBadRequest(decodeErrorMessage(want, err))
	}
	if gvk != nil && *gvk != want {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the patch changed the kind or apiVersion of the object to %s", gvk))
	}
	if err != nil {
		if err := strictErrors(w, validation, err); err != nil {
			return nil, err
		}
	}
	obj.GetObjectKind().SetGroupVersionKind(emptyGVK)
	return obj, nil
}
