package provision

import (
	"context"
	"fmt"
	"strings"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
)

// projectRole is a role in one project, resolved against Jira.
type projectRole struct {
	projectID, projectKey, projectName string
	roleID                             int64
	roleName                           string
}

func (p projectRole) entitlementID() string {
	return snapshot.ProjectRoleEntitlementID(p.projectID, p.roleID)
}

func (p projectRole) entitlement() snapshot.Record {
	return snapshot.Record{Entitlement: &snapshot.Entitlement{
		ID: p.entitlementID(), Kind: snapshot.KindProjectRole, Name: p.projectKey + " " + p.roleName,
		ProjectID: p.projectID, ProjectKey: p.projectKey, ProjectName: p.projectName,
		RoleID: p.roleID, RoleName: p.roleName,
	}}
}

// resolveProjectRole checks the role against GET /role and finds the
// project's id, key and name: in the snapshot's entitlement when the
// request names the project by id, otherwise among the projects Jira lists.
func (o *operation) resolveProjectRole(ctx context.Context) (projectRole, error) {
	ref := o.action.ProjectIDOrKey
	roles, err := o.jira.Roles(ctx)
	if err != nil {
		return projectRole{}, err
	}
	p := projectRole{roleID: o.action.RoleID}
	var known []string
	for _, r := range roles {
		known = append(known, fmt.Sprintf("%d (%s)", r.ID, r.Name))
		if r.ID == p.roleID {
			p.roleName = r.Name
		}
	}
	if p.roleName == "" {
		return p, notFound("roleId", "project role %d does not exist on the site: use one of %s", p.roleID, strings.Join(known, ", "))
	}

	if projectIDPattern.MatchString(ref) {
		t, err := o.snapshot(ctx)
		if err != nil {
			return p, err
		}
		r, found, err := t.get(ctx, snapshot.Entitlement{ID: snapshot.ProjectRoleEntitlementID(ref, p.roleID)}.SortKey())
		if err != nil {
			return p, err
		}
		if found {
			p.projectID, p.projectKey, p.projectName = ref, r.Entitlement.ProjectKey, r.Entitlement.ProjectName
			return p, nil
		}
	}
	// NOTE: this reads one page per 100 projects (25 on a site with 2,500);
	// the client has no single-project read.
	projects, err := o.jira.AllProjects(ctx)
	if err != nil {
		return p, err
	}
	for _, project := range projects {
		if project.ID == ref || strings.EqualFold(project.Key, ref) {
			p.projectID, p.projectKey, p.projectName = project.ID, project.Key, project.Name
			return p, nil
		}
	}
	return p, notFound("projectIdOrKey", "project %s does not exist on the site or the consenting user cannot see it: check projectIdOrKey", ref)
}

// actors reads the role's actors. A 404 means the project is gone, because
// the role was found in GET /role.
func (o *operation) actors(ctx context.Context, p projectRole) ([]atlassian.Actor, error) {
	details, err := o.jira.ProjectRole(ctx, p.projectID, p.roleID)
	if isNotFound(err) {
		return nil, notFound("projectIdOrKey", "project %s does not exist on the site: check projectIdOrKey", o.action.ProjectIDOrKey)
	}
	if err != nil {
		return nil, err
	}
	return details.Actors, nil
}

// hasActor reports whether the request's user or group holds the role.
func (o *operation) hasActor(ctx context.Context, p projectRole) (bool, error) {
	actors, err := o.actors(ctx, p)
	if err != nil {
		return false, err
	}
	for _, a := range actors {
		if o.action.AccountID != "" && a.Type == atlassian.ActorTypeUser && a.AccountID == o.action.AccountID ||
			o.action.GroupID != "" && a.Type == atlassian.ActorTypeGroup && a.GroupID == o.action.GroupID {
			return true, nil
		}
	}
	return false, nil
}

// actorNotFound explains a 404 of a role write after every value was
// checked: something was deleted in between.
func (o *operation) actorNotFound(p projectRole) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		if _, err := o.actors(ctx, p); err != nil {
			return false, err
		}
		if o.action.GroupID != "" {
			return false, o.checkGroup(ctx, o.action.GroupID)
		}
		_, err := o.user(ctx, o.action.AccountID, false)
		return false, err
	}
}

// checkActor makes sure the request's user or group exists; a user that is
// added must be active.
func (o *operation) checkActor(ctx context.Context, adding bool) (atlassian.User, error) {
	if o.action.GroupID != "" {
		return atlassian.User{}, o.checkGroup(ctx, o.action.GroupID)
	}
	return o.user(ctx, o.action.AccountID, adding)
}

func (o *operation) describeActor() string {
	if o.action.GroupID != "" {
		return "group " + o.action.GroupID
	}
	return "user " + o.action.AccountID
}

func (o *operation) addProjectRoleActor(ctx context.Context) (*Result, error) {
	p, err := o.resolveProjectRole(ctx)
	if err != nil {
		return nil, err
	}
	user, err := o.checkActor(ctx, true)
	if err != nil {
		return nil, err
	}
	present, err := o.hasActor(ctx, p)
	if err != nil {
		return nil, err
	}

	d := decision{changed: false, decidedBy: DecidedByReadBefore}
	if !present {
		var accounts, groups []string
		if o.action.GroupID != "" {
			groups = []string{o.action.GroupID}
		} else {
			accounts = []string{o.action.AccountID}
		}
		d, err = o.apply(ctx, change{
			what: fmt.Sprintf("adding %s to role %d of project %s", o.describeActor(), p.roleID, p.projectKey),
			write: func(ctx context.Context) error {
				_, err := o.jira.AddProjectRoleActors(ctx, p.projectID, p.roleID, accounts, groups)
				return err
			},
			holds:    func(ctx context.Context) (bool, error) { return o.hasActor(ctx, p) },
			notFound: o.actorNotFound(p),
		})
		if err != nil {
			return nil, err
		}
	}

	t, err := o.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	records := []snapshot.Record{p.entitlement()}
	switch {
	case o.action.GroupID != "":
		members, err := o.jira.AllGroupMembers(ctx, o.action.GroupID)
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			if included(t.settings, m) {
				records = append(records, grant(m.AccountID, p.entitlementID(), snapshot.ViaGroup(o.action.GroupID)))
			}
		}
	case included(t.settings, user):
		u := serviceUser(user)
		records = append(records, snapshot.Record{User: &u}, grant(user.AccountID, p.entitlementID(), snapshot.ViaDirect))
	default:
		t.note("the connection's user settings leave user " + user.AccountID + " out of the snapshot, so no grant was added")
	}
	if err := t.put(ctx, records...); err != nil {
		return nil, err
	}
	return o.result(d, OutcomeAdded, OutcomeAlreadyPresent), nil
}

func (o *operation) removeProjectRoleActor(ctx context.Context) (*Result, error) {
	p, err := o.resolveProjectRole(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := o.checkActor(ctx, false); err != nil {
		return nil, err
	}
	present, err := o.hasActor(ctx, p)
	if err != nil {
		return nil, err
	}

	d := decision{changed: false, decidedBy: DecidedByReadBefore}
	if present {
		d, err = o.apply(ctx, change{
			what: fmt.Sprintf("removing %s from role %d of project %s", o.describeActor(), p.roleID, p.projectKey),
			write: func(ctx context.Context) error {
				return o.jira.RemoveProjectRoleActor(ctx, p.projectID, p.roleID, o.action.AccountID, o.action.GroupID)
			},
			holds: func(ctx context.Context) (bool, error) {
				present, err := o.hasActor(ctx, p)
				return !present, err
			},
			notFound: o.actorNotFound(p),
		})
		if err != nil {
			return nil, err
		}
	}

	t, err := o.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	var keys []string
	if o.action.GroupID != "" {
		// NOTE: members who left the group since the last sync keep their
		// grant through it until the next sync.
		members, err := o.jira.AllGroupMembers(ctx, o.action.GroupID)
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			keys = append(keys, grant(m.AccountID, p.entitlementID(), snapshot.ViaGroup(o.action.GroupID)).SortKey())
		}
	} else {
		keys = append(keys, grant(o.action.AccountID, p.entitlementID(), snapshot.ViaDirect).SortKey())
	}
	if err := t.delete(ctx, keys...); err != nil {
		return nil, err
	}
	return o.result(d, OutcomeRemoved, OutcomeAlreadyAbsent), nil
}
