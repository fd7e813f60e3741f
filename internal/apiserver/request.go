package apiserver

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/store"
)

// MaxRequestBodyBytes is kube-apiserver's limit on request bodies (3 MiB);
// larger bodies get 413.
const MaxRequestBodyBytes = 3 * 1024 * 1024

// Request is a parsed resource request, handed to subresource handlers.
type Request struct {
	Namespace, Name, Subresource, Verb string
	Resource                           *registry.Resource
	Store                              *store.Store
	server                             *Server
	// delete is the resource's delete of one object (Store.Delete unless
	// the resource has its own).
	delete DeleteFunc
}

// WriteError answers the request with err as a metav1.Status.
func (req *Request) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	req.server.writeError(w, r, err)
}

// WriteStatus writes st as a JSON Status with its code.
func WriteStatus(w http.ResponseWriter, st *metav1.Status) { writeStatus(w, st) }

// DecodeBody reads and decodes a request body (JSON, YAML or protobuf) as
// the kind want, into into, applying fieldValidation.
func DecodeBody(w http.ResponseWriter, r *http.Request, into runtime.Object, want schema.GroupVersionKind) (runtime.Object, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	return decode(w, r, body, into, want)
}

// serveResource dispatches a resource request by verb and subresource.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, ep *endpoint, info requestInfo) {
	req := &Request{Namespace: info.Namespace, Name: info.Name, Subresource: info.Subresource, Verb: info.Verb, Resource: ep.res, Store: ep.store, server: s, delete: ep.delete}
	if ep.res.Namespaced != (info.Namespace != "") && !(ep.res.Namespaced && (info.Verb == "list" || info.Verb == "watch")) {
		if !(ep.res.Plural == "namespaces" && info.Namespace == "") {
			s.writeError(w, r, notFound())
			return
		}
	}
	// Like kube-apiserver, the answer's format is settled before anything
	// is done: a write the client could not read must not happen.
	if ans, ok := answerFor(info, ep); ok {
		if _, err := negotiate(r, ans); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if info.Subresource != "" {
		if sub, ok := ep.subresources[info.Subresource]; ok {
			sub.Handler(w, r, req)
			return
		}
		if info.Subresource == "scale" && ep.res.Scale != nil {
			if err := s.serveScale(w, r, req); err != nil {
				s.writeError(w, r, err)
			}
			return
		}
		if _, ok := ep.res.UpdateOnlySubresources[info.Subresource]; ok && info.Verb != "update" {
			s.writeError(w, r, apierrors.NewMethodNotSupported(ep.res.GroupResource(), info.Verb))
			return
		} else if !ok && (info.Subresource != "status" || ep.res.StatusStrategy == nil) {
			s.writeError(w, r, notFound())
			return
		}
	}
	var err error
	switch info.Verb {
	case "get":
		err = s.get(w, r, req)
	case "list":
		err = s.list(w, r, req)
	case "watch":
		err = s.watch(w, r, req)
	case "create":
		err = s.create(w, r, req)
	case "update":
		err = s.update(w, r, req)
	case "patch":
		err = s.patch(w, r, req)
	case "delete":
		err = s.delete(w, r, req)
	case "deletecollection":
		if !slices.Contains(Verbs(ep.res), info.Verb) {
			err = apierrors.NewMethodNotSupported(ep.res.GroupResource(), info.Verb)
			break
		}
		err = s.deleteCollection(w, r, req)
	default:
		err = apierrors.NewMethodNotSupported(ep.res.GroupResource(), info.Verb)
	}
	if err != nil {
		s.writeError(w, r, err)
	}
}

// answerFor is what a request will answer, for negotiation before it runs.
// Reads of special subresources (pods/log) write their own media type;
// their writes (binding, eviction) answer a Status.
func answerFor(info requestInfo, ep *endpoint) (answer, bool) {
	if _, special := ep.subresources[info.Subresource]; special {
		return answerObject, info.Verb != "get"
	}
	switch {
	case info.Subresource == "scale":
		return answerPlain, true
	case info.Verb == "watch":
		return answerStream, true
	case info.Verb == "list" || info.Verb == "deletecollection":
		return answerList, true
	}
	return answerObject, true
}

// readBody reads a request body up to MaxRequestBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBodyBytes+1))
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("reading request body: %v", err))
	}
	if len(data) > MaxRequestBodyBytes {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", MaxRequestBodyBytes))
	}
	return data, nil
}

// writeRequest reads what every write shares: the body and the dryRun
// and fieldManager parameters.
func writeRequest(r *http.Request) (body []byte, dry bool, manager string, err error) {
	if body, err = readBody(r); err != nil {
		return nil, false, "", err
	}
	if dry, err = dryRun(r); err != nil {
		return nil, false, "", err
	}
	manager, err = fieldManager(r)
	return body, dry, manager, err
}

// fieldValidation reads the fieldValidation query parameter (default Warn).
func fieldValidation(r *http.Request) (string, error) {
	v := r.URL.Query().Get("fieldValidation")
	switch v {
	case "":
		return metav1.FieldValidationWarn, nil
	case metav1.FieldValidationIgnore, metav1.FieldValidationWarn, metav1.FieldValidationStrict:
		return v, nil
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("fieldValidation parameter unsupported: %s", v))
}

// decodeObject decodes a create or update body as the resource's kind.
// Unknown and duplicate fields are warnings or a 400 according to
// fieldValidation.
func decodeObject(w http.ResponseWriter, r *http.Request, res *registry.Resource, body []byte) (runtime.Object, error) {
	return decode(w, r, body, res.New(), res.GroupVersionKind())
}

func decode(w http.ResponseWriter, r *http.Request, body []byte, into runtime.Object, want schema.GroupVersionKind) (runtime.Object, error) {
	if len(body) == 0 {
		return nil, apierrors.NewBadRequest("the body of the request is empty")
	}
	mt, err := requestMediaType(r)
	if err != nil {
		return nil, err
	}
	info := serializerFor(mt)
	if info.Serializer == nil {
		return nil, unsupportedMediaType()
	}
	validation, err := fieldValidation(r)
	if err != nil {
		return nil, err
	}
	obj, gvk, err := info.Serializer.Decode(body, &want, into)
	if err != nil && !runtime.IsStrictDecodingError(err) {
		return nil, apierrors.NewBadRequest(decodeErrorMessage(want, err))
	}
	if gvk != nil && (gvk.Group != want.Group || gvk.Version != want.Version) {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", gvk.GroupVersion(), want.GroupVersion()))
	}
	if gvk != nil && gvk.Kind != want.Kind {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the kind in the data (%s) does not match the expected kind (%s)", gvk.Kind, want.Kind))
	}
	if err != nil {
		if err := strictErrors(w, validation, err); err != nil {
			return nil, err
		}
	}
	obj.GetObjectKind().SetGroupVersionKind(emptyGVK)
	return obj, nil
}

// strictErrors applies fieldValidation to a strict decoding error.
func strictErrors(w http.ResponseWriter, validation string, err error) error {
	switch validation {
	case metav1.FieldValidationStrict:
		return apierrors.NewBadRequest(err.Error())
	case metav1.FieldValidationWarn:
		if serr, ok := runtime.AsStrictDecodingError(err); ok {
			for _, e := range serr.Errors() {
				addWarning(w, e.Error())
			}
		}
	}
	return nil
}

func decodeErrorMessage(want schema.GroupVersionKind, err error) string {
	return fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", want.Kind, want.Version, want.Kind, err)
}

// addWarning adds a Warning header as kube-apiserver writes them.
func addWarning(w http.ResponseWriter, text string) {
	w.Header().Add("Warning", fmt.Sprintf("299 - %q", text))
}

// dryRun reads and validates the dryRun query parameter.
func dryRun(r *http.Request) (bool, error) {
	values := r.URL.Query()["dryRun"]
	if errs := store.ValidateDryRun(field.NewPath("dryRun"), values); len(errs) > 0 {
		return false, apierrors.NewInvalid(schemaGroupKind("CreateOptions"), "", errs)
	}
	return len(values) > 0, nil
}

// fieldManager is the fieldManager parameter or, as upstream does, the
// User-Agent up to its first '/'.
func fieldManager(r *http.Request) (string, error) {
	m := r.URL.Query().Get("fieldManager")
	if m == "" {
		m, _, _ = strings.Cut(r.UserAgent(), "/")
		if len(m) > 128 {
			m = m[:128]
		}
		return m, nil
	}
	if len(m) > 128 {
		return "", apierrors.NewInvalid(schemaGroupKind("UpdateOptions"), "", field.ErrorList{field.TooLong(field.NewPath("fieldManager"), "", 128)})
	}
	return m, nil
}
