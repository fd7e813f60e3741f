package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry/store"
)

// list serves GET of a collection.
func (s *Server) list(w http.ResponseWriter, r *http.Request, req *Request) error {
	q := r.URL.Query()
	pred, err := predicate(q, req.Store)
	if err != nil {
		return err
	}
	opts := store.ListOptions{
		Predicate:            pred,
		ResourceVersion:      q.Get("resourceVersion"),
		ResourceVersionMatch: metav1.ResourceVersionMatch(q.Get("resourceVersionMatch")),
		Continue:             q.Get("continue"),
	}
	if err := validateResourceVersionMatch(opts.ResourceVersion, opts.ResourceVersionMatch, false); err != nil {
		return err
	}
	if v := q.Get("limit"); v != "" {
		if opts.Limit, err = strconv.ParseInt(v, 10, 64); err != nil || opts.Limit < 0 {
			return apierrors.NewBadRequest(fmt.Sprintf("invalid limit %q", v))
		}
	}
	if opts.Limit == 0 && opts.Continue == "" {
		out, err := negotiate(r, answerList)
		if err != nil {
			return err
		}
		if lw := newListWriter(w, out, req.Resource); lw != nil {
			return listInPages(r.Context(), req, opts, lw)
		}
	}
	list, err := req.Store.List(r.Context(), req.Namespace, opts)
	if err != nil {
		return err
	}
	return s.respond(w, r, req.Resource, http.StatusOK, list)
}

// listPage is how many objects an unbounded list holds decoded at a time.
const listPage = 500

// listInPages answers a list without a limit page by page through lw, so
// that a huge collection is never held whole, decoded and encoded at
// once: the pages after the first continue at its revision, which makes
// the answer the same consistent snapshot a single read would be.
func listInPages(ctx context.Context, req *Request, opts store.ListOptions, lw listWriter) error {
	opts.Limit = listPage
	var rev int64
	for {
		list, err := req.Store.List(ctx, req.Namespace, opts)
		if err != nil {
			if lw.started() {
				// The status line is sent: the client sees a
				// truncated list rather than a Status.
				panic(http.ErrAbortHandler)
			}
			return err
		}
		lm, err := meta.ListAccessor(list)
		if err != nil {
			return apierrors.NewInternalError(err)
		}
		if rev == 0 {
			if rev, err = strconv.ParseInt(lm.GetResourceVersion(), 10, 64); err != nil {
				return apierrors.NewInternalError(err)
			}
		}
		if err := meta.EachListItem(list, func(obj runtime.Object) error { return lw.item(obj, rev) }); err != nil {
			return err
		}
		if lm.GetContinue() == "" {
			return lw.end(rev)
		}
		opts.Continue, opts.ResourceVersion, opts.ResourceVersionMatch = lm.GetContinue(), "", ""
	}
}

// predicate parses labelSelector and fieldSelector.
func predicate(q url.Values, st *store.Store) (store.Predicate, error) {
	var p store.Predicate
	var err error
	if v := q.Get("labelSelector"); v != "" {
		if p.Label, err = labels.Parse(v); err != nil {
			return p, apierrors.NewBadRequest(fmt.Sprintf("unable to parse requirement: %v", err))
		}
	}
	if v := q.Get("fieldSelector"); v != "" {
		if p.Field, err = fields.ParseSelector(v); err != nil {
			return p, apierrors.NewBadRequest(fmt.Sprintf("invalid field selector: %v", err))
		}
		if err := st.ValidateFieldSelector(p.Field); err != nil {
			return p, apierrors.NewBadRequest(err.Error())
		}
	}
	return p, nil
}

// validateResourceVersionMatch applies upstream's ListOptions rules.
func validateResourceVersionMatch(rv string, match metav1.ResourceVersionMatch, watch bool) error {
	switch match {
	case "":
		return nil
	case metav1.ResourceVersionMatchNotOlderThan:
		return nil
	case metav1.ResourceVersionMatchExact:
		if watch {
			return invalidListOptions("resourceVersionMatch", match, "resourceVersionMatch is forbidden for watch")
		}
		if rv == "" {
			return invalidListOptions("resourceVersionMatch", match, "resourceVersionMatch is forbidden unless resourceVersion is provided")
		}
		return nil
	}
	return invalidListOptions("resourceVersionMatch", match, "must be one of NotOlderThan, Exact")
}
