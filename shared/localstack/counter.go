package localstack

import (
	"context"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// RequestCounter counts AWS API requests by operation name, for the demo's
// and the benchmarks' DynamoDB requests per item.
type RequestCounter struct {
	mu     sync.Mutex
	counts map[string]int64
}

// add installs the counter in a client's middleware stack; use it as an
// entry of the client's APIOptions.
func (c *RequestCounter) add(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("RequestCounter",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c.mu.Lock()
			if c.counts == nil {
				c.counts = map[string]int64{}
			}
			c.counts[awsmiddleware.GetOperationName(ctx)]++
			c.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
}

// Counts returns a copy of the counts by operation.
func (c *RequestCounter) Counts() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

// Total returns the number of requests counted.
func (c *RequestCounter) Total() int64 {
	var total int64
	for _, v := range c.Counts() {
		total += v
	}
	return total
}
