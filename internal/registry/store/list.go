package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/storage"
)

// ListOptions narrows a List.
type ListOptions struct {
	Predicate
	ResourceVersion      string
	ResourceVersionMatch metav1.ResourceVersionMatch
	Limit                int64
	Continue             string
}

// continueToken is the opaque `continue` value, shaped like upstream's so
// that tokens look familiar: the revision of the first page and the key
// (relative to the listed prefix) to resume from.
type continueToken struct {
	APIVersion string `json:"v"`
	Revision   int64  `json:"rv"`
	StartKey   string `json:"start"`
}

const continueTokenVersion = "meta.k8s.io/v1"

// expiredContinueMessage is upstream's text for a token whose revision was compacted.
const expiredContinueMessage = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."

// List returns the objects of namespace ("" for all) that match the
// options, as the resource's list type.
func (s *Store) List(ctx context.Context, namespace string, opts ListOptions) (runtime.Object, error) {
	prefix := s.listPrefix(namespace)
	readAt, start, err := s.listStart(ctx, prefix, opts)
	if err != nil {
		return nil, err
	}
	var items []runtime.Object
	var lastKey string
	more, remaining := false, int64(0)
	rev := readAt
	for {
		page, err := s.storage.List(ctx, prefix, storage.ListOptions{Revision: readAt, Limit: pageSize(opts.Limit, len(items)), StartKey: start})
		if err != nil {
			if errors.Is(err, storage.ErrCompacted) && opts.Continue != "" {
				return nil, apierrors.NewResourceExpired(expiredContinueMessage)
			}
			return nil, s.statusError(err, "")
		}
		rev, readAt = page.Revision, page.Revision
		for i, kv := range page.KVs {
			lastKey = kv.Key
			obj, ok, err := s.decodeMatching(opts.Predicate, kv.Key, kv.Value, kv.ModRevision)
			if err != nil {
				return nil, apierrors.NewInternalError(err)
			}
			if !ok {
				continue
			}
			items = append(items, obj)
			if opts.Limit > 0 && int64(len(items)) == opts.Limit {
				more = i < len(page.KVs)-1 || page.More
				remaining = int64(len(page.KVs)-1-i) + page.Remaining
				break
			}
		}
		if !page.More || more || len(page.KVs) == 0 {
			break
		}
		start = lastKey + "\x00"
	}
	list := s.res.NewList()
	if err := meta.SetList(list, items); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	lm, err := meta.ListAccessor(list)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	lm.SetResourceVersion(strconv.FormatInt(rev, 10))
	if more {
		token, err := encodeContinue(rev, lastKey[len(prefix):]+"\x00")
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		lm.SetContinue(token)
		if opts.Predicate.Empty() {
			lm.SetRemainingItemCount(&remaining)
		}
	}
	return list, nil
}

// pageSize is how many keys to read from storage for the next page: the
// caller's limit, more when a selector may filter many out.
func pageSize(limit int64, have int) int64 {
	if limit <= 0 {
		return 0
	}
	const minFilteredPage = 500
	return max(limit-int64(have), minFilteredPage)
}

// listStart turns the resourceVersion semantics of a list into a storage
// revision (0 = latest) and a start key.
func (s *Store) listStart(ctx context.Context, prefix string, opts ListOptions) (int64, string, error) {
	if opts.Continue != "" {
		if opts.ResourceVersion != "" && opts.ResourceVersion != "0" {
			return 0, "", apierrors.NewBadRequest("specifying resource version is not allowed when using continue")
		}
		tok, err := decodeContinue(opts.Continue)
		if err != nil {
			return 0, "", apierrors.NewBadRequest(fmt.Sprintf("continue key is not valid: %v", err))
		}
		return tok.Revision, prefix + tok.StartKey, nil
	}
	if opts.ResourceVersion == "" || opts.ResourceVersion == "0" {
		if opts.ResourceVersionMatch == metav1.ResourceVersionMatchExact {
			return 0, "", apierrors.NewBadRequest("resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"0\"")
		}
		return 0, "", nil
	}
	rv, err := strconv.ParseInt(opts.ResourceVersion, 10, 64)
	if err != nil || rv < 0 {
		return 0, "", apierrors.NewBadRequest(fmt.Sprintf("invalid resource version %q", opts.ResourceVersion))
	}
	if opts.ResourceVersionMatch == metav1.ResourceVersionMatchExact {
		return rv, "", nil
	}
	current, err := s.storage.Revision(ctx)
	if err != nil {
		return 0, "", s.statusError(err, "")
	}
	if rv > current {
		return 0, "", tooLargeResourceVersion(rv, current)
	}
	return 0, "", nil
}

// tooLargeResourceVersion is upstream's answer to a resourceVersion the
// server has not reached: a 504 with a retry hint and the cause clients
// test for.
func tooLargeResourceVersion(requested, current int64) error {
	err := apierrors.NewTimeoutError(fmt.Sprintf("Too large resource version: %d, current: %d", requested, current), 1)
	err.ErrStatus.Details.Causes = []metav1.StatusCause{{Type: metav1.CauseTypeResourceVersionTooLarge, Message: "Too large resource version"}}
	return err
}

func encodeContinue(rev int64, start string) (string, error) {
	data, err := json.Marshal(continueToken{APIVersion: continueTokenVersion, Revision: rev, StartKey: start})
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(data), nil
}

func decodeContinue(s string) (continueToken, error) {
	var tok continueToken
	data, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return tok, err
	}
	if err := json.Unmarshal(data, &tok); err != nil {
		return tok, err
	}
	if tok.APIVersion != continueTokenVersion {
		return tok, fmt.Errorf("unexpected version %q", tok.APIVersion)
	}
	if tok.Revision <= 0 || tok.StartKey == "" {
		return tok, errors.New("incomplete token")
	}
	return tok, nil
}
