package connection

import "fmt"

// NotFoundError is returned when no connection exists under the key.
type NotFoundError struct {
	Key Key
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("connection %s not found: configure it first, or check the tenant and connection identifier", e.Key)
}

// IDTakenError is returned by Create when the identifier is in use or was
// used before; identifiers are never reused within a tenant.
type IDTakenError struct {
	Key Key
}

func (e *IDTakenError) Error() string {
	return fmt.Sprintf("connection identifier %q is already used by tenant %q (identifiers are never reused, even after removal): choose another, such as the one NextIdentifier returns",
		e.Key.ID, e.Key.Tenant)
}

// RemovedError is returned when a change is made to a removed connection.
type RemovedError struct {
	Key Key
}

func (e *RemovedError) Error() string {
	return fmt.Sprintf("connection %s was removed and cannot be changed: configure a new connection with a new identifier", e.Key)
}
