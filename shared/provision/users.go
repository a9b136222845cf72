package provision

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/idgov/atlassian-cloud-connector/shared/atlassian"
	"github.com/idgov/atlassian-cloud-connector/shared/snapshot"
)

// Notes of the user operations' results.
const (
	noteCreateUser = "Jira returns an existing account that has Jira access instead of creating a second one, " +
		"so changed is false when the returned account was already in the current snapshot"
	noteRemoveUser = "the user is removed from Jira with its groups and roles; " +
		"its Atlassian account is not deleted, and an organization admin manages it in Atlassian Administration"
)

// defaultGroups checks the requested products against GET /applicationrole
// and returns the groups Jira adds a new user to for them.
func (o *operation) defaultGroups(ctx context.Context) ([]string, error) {
	roles, err := o.jira.ApplicationRoles(ctx)
	if err != nil {
		return nil, err
	}
	var groups, known []string
	for _, role := range roles {
		known = append(known, role.Key)
	}
	for _, key := range o.action.Products {
		i := slices.IndexFunc(roles, func(r atlassian.ApplicationRole) bool { return r.Key == key })
		if i < 0 {
			return nil, notFound("products", "product %q is not an application role of the site: use one of %s, or [] for no product access",
				clip(key), strings.Join(known, ", "))
		}
		for _, g := range roles[i].DefaultGroupIDs {
			if !slices.Contains(groups, g) {
				groups = append(groups, g)
			}
		}
	}
	return groups, nil
}

func (o *operation) createUser(ctx context.Context) (*Result, error) {
	email, products := o.action.EmailAddress, o.action.Products
	groups, err := o.defaultGroups(ctx)
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("creating user %s", email)
	user, err := o.jira.CreateUser(ctx, email, products)
	decidedBy := DecidedByResponse
	if isAmbiguous(err) {
		// POST /user returns the account of an email address that already
		// has Jira access, so the retry returns the account the lost
		// attempt created, if it did.
		o.svc.logger().WarnContext(ctx, "Jira write response lost; sending createUser once more",
			"tenant", o.conn.Tenant, "connectionId", o.conn.ID, "error", err.Error())
		user, err = o.jira.CreateUser(ctx, email, products)
		decidedBy = DecidedByRetry
	}
	if isAmbiguous(err) {
		return nil, newError(CodeOutcomeUnknown, "", "%s: Jira's response was lost twice: send the request again with the same requestId", what)
	}
	if err != nil {
		return nil, rejected(err, what)
	}

	t, err := o.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	existed, err := t.has(ctx, snapshot.ServiceUser{AccountID: user.AccountID}.SortKey())
	if err != nil {
		return nil, err
	}
	if included(t.settings, user) {
		u := serviceUser(user)
		if err := t.put(ctx, snapshot.Record{User: &u}); err != nil {
			return nil, err
		}
	}
	if !existed {
		for _, g := range groups {
			if err := t.joinGroup(ctx, user, g); err != nil {
				return nil, err
			}
		}
	}
	r := o.result(decision{changed: !existed, decidedBy: decidedBy}, OutcomeCreated, OutcomeAlreadyExists)
	created := serviceUser(user)
	r.User, r.Note = &created, noteCreateUser
	return r, nil
}

func (o *operation) removeUser(ctx context.Context) (*Result, error) {
	accountID := o.action.AccountID
	d, err := o.apply(ctx, change{
		what:  fmt.Sprintf("removing user %s from Jira", accountID),
		write: func(ctx context.Context) error { return o.jira.DeleteUser(ctx, accountID) },
		holds: func(ctx context.Context) (bool, error) {
			_, err := o.jira.GetUser(ctx, accountID)
			if isNotFound(err) {
				return true, nil
			}
			return false, err
		},
		// A user that does not exist is already removed.
		notFound: func(context.Context) (bool, error) { return true, nil },
	})
	if err != nil {
		return nil, err
	}
	t, err := o.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if t.runID != "" {
		grants, err := snapshot.UserGrants(ctx, o.svc.Table, t.runID, accountID)
		if err != nil {
			return nil, err
		}
		keys := []string{snapshot.ServiceUser{AccountID: accountID}.SortKey()}
		for _, g := range grants {
			keys = append(keys, g.SortKey())
		}
		if err := t.delete(ctx, keys...); err != nil {
			return nil, err
		}
	}
	r := o.result(d, OutcomeRemoved, OutcomeAlreadyAbsent)
	r.Note = noteRemoveUser
	return r, nil
}
