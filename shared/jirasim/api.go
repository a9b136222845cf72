package jirasim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
)

type grantKey struct{}

// bearerGrant returns the grant of the request's bearer token, or nil after
// sending the gateway's 401.
func (s *Server) bearerGrant(w http.ResponseWriter, r *http.Request) *grant {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		writeGatewayError(w, http.StatusUnauthorized, "Unauthorized")
		return nil
	}
	g := s.auth.checkAccess(token, s.now())
	if g == nil {
		writeGatewayError(w, http.StatusUnauthorized, "Unauthorized")
	}
	return g
}

// accessibleResource is one entry of GET /oauth/token/accessible-resources.
type accessibleResource struct {
	ID        string   `json:"id"`
	URL       string   `json:"url"`
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	AvatarURL string   `json:"avatarUrl"`
}

// handleAccessibleResources lists every site in a new random order on each
// call, because Atlassian documents no order: clients must match the URL.
func (s *Server) handleAccessibleResources(w http.ResponseWriter, r *http.Request) {
	g := s.bearerGrant(w, r)
	if g == nil {
		return
	}
	scopes := slices.DeleteFunc(slices.Clone(g.scopes), func(s string) bool { return s == "offline_access" })
	s.mu.Lock()
	sites := slices.Clone(s.data.Sites)
	s.mu.Unlock()
	rand.Shuffle(len(sites), func(i, j int) { sites[i], sites[j] = sites[j], sites[i] })
	out := make([]accessibleResource, 0, len(sites))
	for _, site := range sites {
		out = append(out, accessibleResource{
			ID: site.CloudID, URL: site.URL, Name: site.Name, Scopes: scopes,
			AvatarURL: "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png",
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// apiHandler serves /ex/jira/{cloudId}/rest/api/3/...: it checks the bearer
// token, the site and the rate limit, then the operation's scopes.
func (s *Server) apiHandler() http.Handler {
	handlers := map[string]http.HandlerFunc{
		"GET /users/search":                          s.handleUsersSearch,
		"GET /user":                                  s.handleGetUser,
		"POST /user":                                 s.handleCreateUser,
		"DELETE /user":                               s.handleDeleteUser,
		"GET /group/bulk":                            s.handleGroupBulk,
		"GET /group/member":                          s.handleGroupMember,
		"POST /group/user":                           s.handleAddGroupMember,
		"DELETE /group/user":                         s.handleRemoveGroupMember,
		"POST /group":                                s.handleCreateGroup,
		"GET /applicationrole":                       s.handleApplicationRoles,
		"GET /project/search":                        s.handleProjectSearch,
		"GET /role":                                  s.handleRoles,
		"GET /project/{projectIdOrKey}/role":         s.handleProjectRoles,
		"GET /project/{projectIdOrKey}/role/{id}":    s.handleGetProjectRole,
		"POST /project/{projectIdOrKey}/role/{id}":   s.handleAddRoleActors,
		"DELETE /project/{projectIdOrKey}/role/{id}": s.handleDeleteRoleActor,
		"GET /projectCategory":                       s.handleCategories,
	}
	inner := http.NewServeMux()
	for _, op := range apiOperations {
		pattern := op.method + " " + op.path
		h, ok := handlers[pattern]
		if !ok {
			panic("jirasim: no handler for " + pattern)
		}
		inner.Handle(pattern, s.requireScopes(op, h))
	}
	inner.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("No resource at %s /rest/api/3%s.", r.Method, r.URL.Path))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g := s.bearerGrant(w, r)
		if g == nil {
			return
		}
		cloudID := r.PathValue("cloudId")
		s.mu.Lock()
		site := s.data.site()
		s.mu.Unlock()
		if cloudID != site.CloudID {
			writeErrors(w, http.StatusNotFound, fmt.Sprintf(
				"No site with cloudId %q: take the id from accessible-resources for the site's URL.", cloudID))
			return
		}
		if !s.limiter.admit(w, s.now()) {
			return
		}
		ctx := context.WithValue(r.Context(), grantKey{}, g)
		http.StripPrefix("/ex/jira/"+cloudID+"/rest/api/3", inner).ServeHTTP(w, r.WithContext(ctx))
		s.limiter.charge(stateOf(r).objects, s.now())
	})
}

// requireScopes responds 403 unless the token holds the operation's scopes.
func (s *Server) requireScopes(op operationScopes, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g, _ := r.Context().Value(grantKey{}).(*grant)
		if g == nil || !op.allowedBy(g.scopes) {
			writeGatewayError(w, http.StatusForbidden, fmt.Sprintf(
				"Unauthorized; scope does not match: %s %s needs %s, or %s.",
				op.method, op.path, strings.Join(op.classic, " "), strings.Join(op.granular, " ")))
			return
		}
		next.ServeHTTP(w, r)
	})
}
