package apiserver

import (
	"net/http"
)

// get serves GET of one object (or of its status).
func (s *Server) get(w http.ResponseWriter, r *http.Request, req *Request) error {
	obj, err := req.Store.Get(r.Context(), req.Namespace, req.Name)
	if err != nil {
		return err
	}
	return s.respond(w, r, req.Resource, http.StatusOK, obj)
}
