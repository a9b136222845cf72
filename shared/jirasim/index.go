package jirasim

import "strings"

// index maps IDs to positions in the dataset, plus member lists derived
// from it. The server rebuilds it lazily after any change that moves
// records; membership changes drop only the affected derived lists.
type index struct {
	users       map[string]int // accountId
	groups      map[string]int // groupId
	groupNames  map[string]int // lower-case name
	projectIDs  map[string]int
	projectKeys map[string]int // upper-case key
	roles       map[int64]int
	categories  map[string]int

	members    map[string]memberLists // groupId; filled on demand
	roleCounts map[string]int         // application role key -> users; nil until needed
}

// memberLists are the members of one group that exist in Users.
type memberLists struct {
	all    []string
	active []string
}

func buildIndex(d *Dataset) *index {
	x := &index{
		users:       make(map[string]int, len(d.Users)),
		groups:      make(map[string]int, len(d.Groups)),
		groupNames:  make(map[string]int, len(d.Groups)),
		projectIDs:  make(map[string]int, len(d.Projects)),
		projectKeys: make(map[string]int, len(d.Projects)),
		roles:       make(map[int64]int, len(d.Roles)),
		categories:  make(map[string]int, len(d.Categories)),
		members:     map[string]memberLists{},
	}
	for i, u := range d.Users {
		x.users[u.AccountID] = i
	}
	for i, g := range d.Groups {
		x.groups[g.GroupID] = i
		x.groupNames[strings.ToLower(g.Name)] = i
	}
	for i, p := range d.Projects {
		x.projectIDs[p.ID] = i
		x.projectKeys[strings.ToUpper(p.Key)] = i
	}
	for i, r := range d.Roles {
		x.roles[r.ID] = i
	}
	for i, c := range d.Categories {
		x.categories[c.ID] = i
	}
	return x
}

// indexLocked returns the current index; the caller holds s.mu.
func (s *Server) indexLocked() *index {
	if s.idx == nil {
		s.idx = buildIndex(s.data)
	}
	return s.idx
}

// membersChangedLocked drops lists derived from a group's members; the
// caller holds s.mu.
func (s *Server) membersChangedLocked(groupID string) {
	if s.idx != nil {
		delete(s.idx.members, groupID)
		s.idx.roleCounts = nil
	}
}

// groupMembersLocked returns the members of the group at position gi; the
// caller holds s.mu.
func (s *Server) groupMembersLocked(gi int) memberLists {
	x := s.indexLocked()
	g := s.data.Groups[gi]
	if m, ok := x.members[g.GroupID]; ok {
		return m
	}
	m := memberLists{all: make([]string, 0, len(g.Members))}
	for _, id := range g.Members {
		ui, ok := x.users[id]
		if !ok {
			continue
		}
		m.all = append(m.all, id)
		if s.data.Users[ui].Active {
			m.active = append(m.active, id)
		}
	}
	x.members[g.GroupID] = m
	return m
}

// findGroupLocked resolves a group by ID, or by name when id is empty.
func (s *Server) findGroupLocked(id, name string) (int, bool) {
	x := s.indexLocked()
	if id != "" {
		i, ok := x.groups[id]
		return i, ok
	}
	i, ok := x.groupNames[strings.ToLower(name)]
	return i, ok
}

// findProjectLocked resolves a project by ID or by key (any case).
func (s *Server) findProjectLocked(idOrKey string) (int, bool) {
	x := s.indexLocked()
	if i, ok := x.projectIDs[idOrKey]; ok {
		return i, true
	}
	i, ok := x.projectKeys[strings.ToUpper(idOrKey)]
	return i, ok
}
