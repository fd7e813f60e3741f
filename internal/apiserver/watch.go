package apiserver

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/scheme"
)

// minWatchTimeout is kube-apiserver's --min-request-timeout default: a
// watch without timeoutSeconds lasts a random time in [1x, 2x) of it, so
// that reconnections spread out.
const minWatchTimeout = 30 * time.Minute

// watchWriteGrace is how long past its end a watch's blocked write may
// wait: a watcher that stopped reading is let go then, instead of holding
// its handler and buffers for ever. The grace keeps the deadline from
// failing a write that a reading client is completing as the watch ends.
const watchWriteGrace = 5 * time.Second

// watch serves a watch stream: one framed event per change, flushed at
// once, until timeoutSeconds pass, the client leaves, or the server stops.
func (s *Server) watch(w http.ResponseWriter, r *http.Request, req *Request) error {
	q := r.URL.Query()
	pred, err := predicate(q, req.Store)
	if err != nil {
		return err
	}
	opts := store.WatchOptions{
		Predicate:            pred,
		ResourceVersion:      q.Get("resourceVersion"),
		ResourceVersionMatch: metav1.ResourceVersionMatch(q.Get("resourceVersionMatch")),
		AllowBookmarks:       q.Get("allowWatchBookmarks") == "true",
	}
	if v := q.Get("sendInitialEvents"); v != "" {
		b := v == "true"
		opts.SendInitialEvents = &b
	}
	if err := validateWatchOptions(opts); err != nil {
		return err
	}
	timeout, err := watchTimeout(q.Get("timeoutSeconds"))
	if err != nil {
		return err
	}
	out, err := negotiate(r, answerStream)
	if err != nil {
		return err
	}
	ctx := r.Context()
	w2, err := req.Store.Watch(ctx, req.Namespace, opts)
	var firstError *metav1.Status
	if err != nil {
		if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
			return err
		}
		// Like kube-apiserver, a too-old resourceVersion is an ERROR event
		// in a successful stream.
		firstError = toStatus(err)
	}
	contentType := out.info.MediaType
	if contentType != mediaJSON {
		contentType += ";stream=watch"
	}
	w.Header().Set("Content-Type", contentType)
	flusher := http.NewResponseController(w)
	// Errors mean the connection cannot take deadlines (a recorder):
	// nothing then blocks for ever on a stalled reader.
	_ = flusher.SetWriteDeadline(time.Now().Add(timeout + watchWriteGrace))
	defer func() { _ = flusher.SetWriteDeadline(time.Time{}) }()
	w.WriteHeader(http.StatusOK)
	_ = flusher.Flush()

	stream := newWatchEncoder(w, out, req, s, r)
	if firstError != nil {
		_ = stream.encode(watch.Event{Type: watch.Error, Object: firstError})
		_ = flusher.Flush()
		return nil
	}
	defer w2.Stop()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-w2.ResultChan():
			if !ok {
				return nil
			}
			if ev.Type == watch.Error {
				s.logDroppedWatch(r, req, ev)
			}
			if err := stream.encode(ev); err != nil {
				return nil
			}
			if len(w2.ResultChan()) == 0 {
				if err := flusher.Flush(); err != nil {
					return nil
				}
			}
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return nil
		case <-s.stopping.Done():
			return nil
		}
	}
}

// watchTimeout reads timeoutSeconds. Unset or 0 means a random time in
// [1x, 2x) of minWatchTimeout, as kube-apiserver's watch handler reads 0.
func watchTimeout(v string) (time.Duration, error) {
	var secs int64
	if v != "" {
		var err error
		if secs, err = strconv.ParseInt(v, 10, 64); err != nil || secs < 0 {
			return 0, apierrors.NewBadRequest(fmt.Sprintf("invalid timeoutSeconds %q", v))
		}
	}
	if secs == 0 {
		return minWatchTimeout + time.Duration(rand.Int64N(int64(minWatchTimeout))), nil
	}
	return time.Duration(secs) * time.Second, nil
}

// validateWatchOptions mirrors upstream's checks on watch parameters,
// notably for the streaming list.
func validateWatchOptions(o store.WatchOptions) error {
	if err := validateResourceVersionMatch(o.ResourceVersion, o.ResourceVersionMatch, true); err != nil {
		return err
	}
	if o.SendInitialEvents == nil {
		if o.ResourceVersionMatch != "" {
			return invalidListOptions("resourceVersionMatch", o.ResourceVersionMatch, "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided")
		}
		return nil
	}
	if o.ResourceVersionMatch != metav1.ResourceVersionMatchNotOlderThan {
		return invalidListOptions("resourceVersionMatch", o.ResourceVersionMatch, "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")
	}
	if *o.SendInitialEvents && !o.AllowBookmarks {
		return invalidListOptions("allowWatchBookmarks", o.AllowBookmarks, "allowWatchBookmarks must be true when sendInitialEvents is true")
	}
	return nil
}

func invalidListOptions(name string, value any, detail string) error {
	return apierrors.NewInvalid(schemaGroupKind("ListOptions"), "", field.ErrorList{field.Forbidden(field.NewPath(name), detail)})
}

// watchEncoder writes watch events in the negotiated framing.
type watchEncoder struct {
	events  streaming.Encoder
	objects runtime.Encoder
	out     output
	req     *Request
	server  *Server
	httpReq *http.Request
	buf     bytes.Buffer
}

func newWatchEncoder(w http.ResponseWriter, out output, req *Request, s *Server, r *http.Request) *watchEncoder {
	framer := out.info.StreamSerializer.Framer.NewFrameWriter(w)
	return &watchEncoder{
		events:  streaming.NewEncoder(framer, out.info.StreamSerializer.Serializer),
		objects: scheme.Codecs.EncoderForVersion(out.info.Serializer, req.Resource.GroupVersion),
		out:     out, req: req, server: s, httpReq: r,
	}
}

// encode writes one event; objects carry kind and apiVersion, as clients
// require on watch streams.
func (e *watchEncoder) encode(ev watch.Event) error {
	obj := ev.Object
	encoder := e.objects
	switch {
	case ev.Type == watch.Error:
		encoder = scheme.Codecs.EncoderForVersion(e.out.info.Serializer, metav1.SchemeGroupVersion)
	case e.out.as != "" && ev.Type != watch.Bookmark:
		as := e.out.as
		if as == "PartialObjectMetadataList" {
			as = "PartialObjectMetadata"
		}
		t, gv, err := e.server.transform(e.httpReq, e.req.Resource, as, obj)
		if err != nil {
			return err
		}
		obj, encoder = t, scheme.Codecs.EncoderForVersion(e.out.info.Serializer, gv)
	case e.out.as != "":
		// Bookmarks of a transformed watch are metadata-only objects.
		obj, encoder = bookmarkFor(e.out.as, obj), scheme.Codecs.EncoderForVersion(e.out.info.Serializer, metav1.SchemeGroupVersion)
	}
	e.buf.Reset()
	if err := encoder.Encode(obj, &e.buf); err != nil {
		return err
	}
	return e.events.Encode(&metav1.WatchEvent{Type: string(ev.Type), Object: runtime.RawExtension{Raw: e.buf.Bytes()}})
}

// bookmarkFor turns a bookmark into the type a Table or metadata watch
// carries.
func bookmarkFor(as string, obj runtime.Object) runtime.Object {
	m, err := meta.Accessor(obj)
	if err != nil {
		return obj
	}
	if as == "Table" {
		t := &metav1.Table{}
		t.ResourceVersion = m.GetResourceVersion()
		return t
	}
	return partial(m)
}

// logDroppedWatch reports a watch the store ended under its client (it
// fell behind the kept history): the client relists, which costs a full
// LIST, so each one is worth a line.
func (s *Server) logDroppedWatch(r *http.Request, req *Request, ev watch.Event) {
	msg := ""
	if st, ok := ev.Object.(*metav1.Status); ok {
		msg = st.Message
	}
	s.log.Warn("watch dropped: the client must relist", "resource", req.Resource.Plural,
		"userAgent", r.UserAgent(), "remote", r.RemoteAddr, "reason", msg)
}
