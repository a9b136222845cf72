package oauth

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/idgov/atlassian-cloud-connector/shared/connection"
	"github.com/idgov/atlassian-cloud-connector/shared/store"
)

// leaseCleanup is how long after its end DynamoDB's TTL may delete a lease
// item; expired leases are taken over long before that.
const leaseCleanup = time.Hour

func leaseKey(key connection.Key) store.Item { return store.Key(key.PK(), connection.SKTokenLease) }

// acquireLease takes the connection's refresh lease for duration when no
// one holds it or the holder's lease has ended. It reports whether it did.
// leaseUntil is in epoch milliseconds, because leases last seconds.
func (p *TokenProvider) acquireLease(ctx context.Context, key connection.Key) (bool, error) {
	now := p.now()
	item := leaseKey(key)
	item["holder"] = store.S(p.holder)
	item["leaseUntil"] = store.N(now.Add(p.leaseDuration()).UnixMilli())
	item[store.AttrExpiresAt] = store.N(now.Add(p.leaseDuration() + leaseCleanup).Unix())
	_, err := p.Table.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 &p.Table.Name,
		Item:                      item,
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR leaseUntil < :now"),
		ExpressionAttributeValues: store.Item{":now": store.N(now.UnixMilli())},
	})
	if store.IsConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("take token refresh lease of %s in table %s: %w", key, p.Table.Name, err)
	}
	return true, nil
}

// releaseLease deletes the lease if this provider still holds it. It uses
// its own context so that a cancelled caller still frees the lease.
func (p *TokenProvider) releaseLease(key connection.Key) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := p.Table.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 &p.Table.Name,
		Key:                       leaseKey(key),
		ConditionExpression:       aws.String("holder = :holder"),
		ExpressionAttributeValues: store.Item{":holder": store.S(p.holder)},
	})
	if err != nil && !store.IsConditionFailed(err) {
		// The lease ends on its own after leaseDuration.
		p.logger().Warn("token refresh lease not released", "tenant", key.Tenant, "connectionId", key.ID, "error", err.Error())
	}
}
