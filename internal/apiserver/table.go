package apiserver

import (
	"encoding/json"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/scheme"
)

// defaultTable is upstream's table for resources without printers.
var defaultTable = &registry.Table{
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Created At", Type: "date", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	},
	Row: func(obj runtime.Object, _ time.Time) []any {
		m, err := meta.Accessor(obj)
		if err != nil {
			return []any{"", ""}
		}
		return []any{m.GetName(), m.GetCreationTimestamp().UTC().Format(time.RFC3339)}
	},
}

// toTable converts an object or a list into a meta.k8s.io/v1 Table,
// honouring includeObject (None, Metadata — the default — or Object).
func (s *Server) toTable(r *http.Request, res *registry.Resource, obj runtime.Object) (*metav1.Table, error) {
	include := metav1.IncludeObjectPolicy(r.URL.Query().Get("includeObject"))
	switch include {
	case "":
		include = metav1.IncludeMetadata
	case metav1.IncludeNone, metav1.IncludeMetadata, metav1.IncludeObject:
	default:
		return nil, apierrors.NewBadRequest("includeObject must be one of None, Metadata or Object")
	}
	printer := res.Table
	if printer == nil {
		printer = defaultTable
	}
	table := &metav1.Table{ColumnDefinitions: printer.Columns}
	items := []runtime.Object{obj}
	if meta.IsListType(obj) {
		var err error
		if items, err = meta.ExtractList(obj); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		lm, err := meta.ListAccessor(obj)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		table.ResourceVersion, table.Continue, table.RemainingItemCount = lm.GetResourceVersion(), lm.GetContinue(), lm.GetRemainingItemCount()
	} else if m, err := meta.Accessor(obj); err == nil {
		table.ResourceVersion = m.GetResourceVersion()
	}
	now := s.clock.Now()
	table.Rows = make([]metav1.TableRow, 0, len(items))
	for _, item := range items {
		row := metav1.TableRow{Cells: printer.Row(item, now)}
		raw, err := rowObject(res, include, item)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		row.Object = raw
		table.Rows = append(table.Rows, row)
	}
	return table, nil
}

// rowObject is the object embedded in a row, encoded in JSON with its kind.
func rowObject(res *registry.Resource, include metav1.IncludeObjectPolicy, obj runtime.Object) (runtime.RawExtension, error) {
	switch include {
	case metav1.IncludeNone:
		return runtime.RawExtension{}, nil
	case metav1.IncludeMetadata:
		m, err := meta.Accessor(obj)
		if err != nil {
			return runtime.RawExtension{}, err
		}
		pm := partial(m)
		pm.APIVersion, pm.Kind = metav1.SchemeGroupVersion.String(), "PartialObjectMetadata"
		data, err := json.Marshal(pm)
		return runtime.RawExtension{Raw: data}, err
	}
	data, err := runtime.Encode(scheme.Codecs.LegacyCodec(res.GroupVersion), obj)
	obj.GetObjectKind().SetGroupVersionKind(emptyGVK)
	return runtime.RawExtension{Raw: data}, err
}
