package provision

import (
	"context"
)

// change is one Jira write and the read that checks whether its target
// state holds.
type change struct {
	// what names the change in messages, such as "adding user X to group Y".
	what  string
	write func(ctx context.Context) error
	// holds reads Jira and reports whether the target state holds.
	holds func(ctx context.Context) (bool, error)
	// notFound explains a 404 of the write. It returns true when a 404
	// means the target state holds (removing a user that is gone), or an
	// error naming the value at fault.
	notFound func(ctx context.Context) (bool, error)
}

// decision is the outcome of a change and the step that decided it.
type decision struct {
	changed   bool
	decidedBy string
}

// apply sends the write and decides its outcome from the status code and,
// where the status does not settle it, from a read-back:
//
//   - success: changed.
//   - 400: Jira rejected the write. When the state already holds (adding an
//     existing member), nothing changed; otherwise it is CodeJiraRejected.
//   - 404: notFound decides.
//   - response lost (atlassian.AmbiguousWriteError): when the read-back shows
//     the state holds, the write took effect; otherwise it is retried once,
//     and a second lost response is CodeOutcomeUnknown.
//
// Other errors, such as 429 after the client's retries, pass through.
func (o *operation) apply(ctx context.Context, c change) (decision, error) {
	err := c.write(ctx)
	if err == nil {
		return decision{changed: true, decidedBy: DecidedByResponse}, nil
	}
	if !isAmbiguous(err) {
		return o.settle(ctx, c, err, decision{changed: false, decidedBy: DecidedByReadBack})
	}

	o.svc.logger().WarnContext(ctx, "Jira write response lost; reading the state back",
		"tenant", o.conn.Tenant, "connectionId", o.conn.ID, "operation", o.action.Operation, "error", err.Error())
	holds, readErr := c.holds(ctx)
	if readErr != nil {
		return decision{}, readErr
	}
	if holds {
		return decision{changed: true, decidedBy: DecidedByReadBack}, nil
	}

	err = c.write(ctx)
	if err == nil {
		return decision{changed: true, decidedBy: DecidedByRetry}, nil
	}
	if !isAmbiguous(err) {
		// A 400 here means the first write took effect after the read-back.
		return o.settle(ctx, c, err, decision{changed: true, decidedBy: DecidedByRetry})
	}
	holds, readErr = c.holds(ctx)
	if readErr != nil {
		return decision{}, readErr
	}
	if holds {
		return decision{changed: true, decidedBy: DecidedByReadBack}, nil
	}
	return decision{}, newError(CodeOutcomeUnknown, "",
		"%s: Jira's response was lost twice and the read-back does not show the change: send the request again with the same requestId, which reads the state back first", c.what)
}

// settle decides a write that failed with a status: a 404 goes to
// notFound, and a 400 whose target state holds ends as ifHolds.
func (o *operation) settle(ctx context.Context, c change, err error, ifHolds decision) (decision, error) {
	switch {
	case isNotFound(err):
		holds, explained := c.notFound(ctx)
		if explained != nil {
			return decision{}, explained
		}
		if holds {
			return decision{changed: ifHolds.changed, decidedBy: DecidedByResponse}, nil
		}
		return decision{}, rejected(err, c.what)
	case isBadRequest(err):
		holds, readErr := c.holds(ctx)
		if readErr != nil {
			return decision{}, readErr
		}
		if holds {
			return ifHolds, nil
		}
	}
	return decision{}, rejected(err, c.what)
}
