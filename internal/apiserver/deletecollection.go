package apiserver

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/store"
)

// deleteCollection serves DELETE of a collection: the store deletes the
// selected objects a page at a time, and the answer — the list of what
// was deleted, as each object was before its delete, like kube-apiserver's
// — is written as it goes, so that one request never holds the whole
// collection decoded: JSON is streamed item by item; protobuf, whose
// envelope needs the length up front, keeps only the encoded items. Other
// forms (YAML, as=Table) are built whole, as any list is.
func (s *Server) deleteCollection(w http.ResponseWriter, r *http.Request, req *Request) error {
	opts, err := deleteOptions(r)
	if err != nil {
		return err
	}
	pred, err := predicate(r.URL.Query(), req.Store)
	if err != nil {
		return err
	}
	out, err := negotiate(r, answerList)
	if err != nil {
		return err
	}
	lw := newListWriter(w, out, req.Resource)
	if lw == nil {
		return s.deleteCollectionWhole(w, r, req, pred, opts)
	}
	rev, err := req.Store.DeleteCollection(r.Context(), req.Namespace, pred, opts, lw.item)
	if err != nil {
		if lw.started() {
			// The status line is sent: the client sees a truncated
			// list, which no decoder accepts, rather than a Status.
			panic(http.ErrAbortHandler)
		}
		return err
	}
	return lw.end(rev)
}

// deleteCollectionWhole answers with the list built whole, for the forms
// that are not written item by item.
func (s *Server) deleteCollectionWhole(w http.ResponseWriter, r *http.Request, req *Request, pred store.Predicate, opts *metav1.DeleteOptions) error {
	var items []runtime.Object
	rev, err := req.Store.DeleteCollection(r.Context(), req.Namespace, pred, opts, func(obj runtime.Object, _ int64) error {
		items = append(items, obj)
		return nil
	})
	if err != nil {
		return err
	}
	list := req.Resource.NewList()
	if err := meta.SetList(list, items); err != nil {
		return apierrors.NewInternalError(err)
	}
	lm, err := meta.ListAccessor(list)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	lm.SetResourceVersion(strconv.FormatInt(rev, 10))
	return s.respond(w, r, req.Resource, http.StatusOK, list)
}

// listWriter writes a list answer one item at a time.
type listWriter interface {
	// item adds one object; rev is the list's resourceVersion.
	item(obj runtime.Object, rev int64) error
	// started reports whether the status line has been written.
	started() bool
	// end finishes the answer (rev for an empty list).
	end(rev int64) error
}

// newListWriter returns the writer for out, or nil when the answer must
// be built whole.
func newListWriter(w http.ResponseWriter, out output, res *registry.Resource) listWriter {
	kind, apiVersion, partialItems := res.ListKind, res.GroupVersion.String(), false
	switch out.as {
	case "":
	case "PartialObjectMetadataList":
		kind, apiVersion, partialItems = "PartialObjectMetadataList", metav1.SchemeGroupVersion.String(), true
	default:
		return nil
	}
	lw := listHead{w: w, mediaType: out.info.MediaType, kind: kind, apiVersion: apiVersion, partialItems: partialItems}
	switch out.info.MediaType {
	case mediaJSON:
		return &jsonListWriter{listHead: lw}
	case mediaProtobuf:
		return &protobufListWriter{listHead: lw}
	}
	return nil
}

// listHead is what every list writer shares.
type listHead struct {
	w                http.ResponseWriter
	mediaType        string
	kind, apiVersion string
	// partialItems writes each item's metadata only
	// (as=PartialObjectMetadataList).
	partialItems bool
	wrote        bool
}

func (h *listHead) started() bool { return h.wrote }

// writeHeader sends the status line once.
func (h *listHead) writeHeader() {
	if !h.wrote {
		h.w.Header().Set("Content-Type", h.mediaType)
		h.w.WriteHeader(http.StatusOK)
		h.wrote = true
	}
}

// shape is the object written for obj: itself, or its metadata.
func (h *listHead) shape(obj runtime.Object) (runtime.Object, error) {
	if !h.partialItems {
		return obj, nil
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	return partial(m), nil
}

// jsonListWriter streams a JSON list: the same bytes the list's encoder
// writes, items without kind and apiVersion.
type jsonListWriter struct {
	listHead
	n int
}

func (j *jsonListWriter) item(obj runtime.Object, rev int64) error {
	obj, err := j.shape(obj)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	if j.n == 0 {
		j.writeHeader()
		if err := j.head(rev); err != nil {
			return err
		}
	} else if _, err := io.WriteString(j.w, ","); err != nil {
		return err
	}
	j.n++
	_, err = j.w.Write(data)
	return err
}

// head writes the list up to the first item.
func (j *jsonListWriter) head(rev int64) error {
	_, err := fmt.Fprintf(j.w, `{"kind":%q,"apiVersion":%q,"metadata":{"resourceVersion":"%d"},"items":[`, j.kind, j.apiVersion, rev)
	return err
}

func (j *jsonListWriter) end(rev int64) error {
	if j.n == 0 {
		j.writeHeader()
		if err := j.head(rev); err != nil {
			return err
		}
	}
	_, err := io.WriteString(j.w, "]}\n")
	return err
}

// protobufListWriter keeps the items encoded and writes the list at the
// end: the protobuf envelope (runtime.Unknown) and the list message are
// length-prefixed, so nothing can be sent before the last item.
type protobufListWriter struct {
	listHead
	rev int64
	// items are the encoded items, kept apart rather than appended to
	// one buffer, whose doublings would copy them over and over; size is
	// the list's items field's length, tags included.
	items [][]byte
	size  int
}

// marshaler is what every generated API type implements.
type marshaler interface{ Marshal() ([]byte, error) }

func (p *protobufListWriter) item(obj runtime.Object, rev int64) error {
	p.rev = rev
	obj, err := p.shape(obj)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	m, ok := obj.(marshaler)
	if !ok {
		return apierrors.NewInternalError(fmt.Errorf("%T has no protobuf encoding", obj))
	}
	data, err := m.Marshal()
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	p.items = append(p.items, data)
	p.size += 1 + uvarintLen(len(data)) + len(data)
	return nil
}

// Field tags (field number << 3 | wire type 2, length-delimited) of the
// messages written by hand: a list's metadata and items, and
// runtime.Unknown's typeMeta, raw, contentEncoding and contentType.
const (
	listMetaField, listItemsField                   = 0x0a, 0x12
	unknownTypeMeta, unknownRaw                     = 0x0a, 0x12
	unknownContentEncoding, unknownContentType byte = 0x1a, 0x22
)

// protobufPrefix starts every Kubernetes protobuf body ("k8s\x00").
var protobufPrefix = []byte{0x6b, 0x38, 0x73, 0x00}

func (p *protobufListWriter) end(rev int64) error {
	if p.rev == 0 {
		p.rev = rev
	}
	listMeta, err := (&metav1.ListMeta{ResourceVersion: strconv.FormatInt(p.rev, 10)}).Marshal()
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	typeMeta, err := (&runtime.TypeMeta{APIVersion: p.apiVersion, Kind: p.kind}).Marshal()
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	var head bytes.Buffer
	head.Write(protobufPrefix)
	writeField(&head, unknownTypeMeta, typeMeta)
	rawLen := 1 + uvarintLen(len(listMeta)) + len(listMeta) + p.size
	head.WriteByte(unknownRaw)
	head.Write(binary.AppendUvarint(nil, uint64(rawLen)))
	writeField(&head, listMetaField, listMeta)
	p.writeHeader()
	if _, err := p.w.Write(head.Bytes()); err != nil {
		return err
	}
	var tag []byte
	for _, item := range p.items {
		tag = binary.AppendUvarint(append(tag[:0], listItemsField), uint64(len(item)))
		if _, err := p.w.Write(tag); err != nil {
			return err
		}
		if _, err := p.w.Write(item); err != nil {
			return err
		}
	}
	_, err = p.w.Write([]byte{unknownContentEncoding, 0, unknownContentType, 0})
	return err
}

// writeField appends one length-delimited field.
func writeField(b *bytes.Buffer, tag byte, data []byte) {
	b.WriteByte(tag)
	b.Write(binary.AppendUvarint(nil, uint64(len(data))))
	b.Write(data)
}

func uvarintLen(n int) int { return len(binary.AppendUvarint(nil, uint64(n))) }
