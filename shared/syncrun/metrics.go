package syncrun

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func marshalAttr(v any) (types.AttributeValue, error) { return attributevalue.Marshal(v) }

// MetricsNamespace is the CloudWatch namespace of the sync metrics.
const MetricsNamespace = "AtlassianCloudConnector"

// MetricsOutput receives the embedded-metric-format lines; Lambda sends
// stdout to CloudWatch Logs, which extracts the metrics.
var MetricsOutput io.Writer = os.Stdout

// emitMetrics writes one CloudWatch embedded-metric-format line for a
// finished run: duration, Jira calls, 429s, items written and outcome,
// with the tenant and connection as dimensions.
func (e *Engine) emitMetrics(run *Run) {
	end := run.EndedAt
	if end.IsZero() {
		end = e.now()
	}
	succeeded := 0
	if run.Status == StatusSucceeded {
		succeeded = 1
	}
	line := map[string]any{
		"_aws": map[string]any{
			"Timestamp": end.UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  MetricsNamespace,
				"Dimensions": [][]string{{"Tenant", "ConnectionId"}},
				"Metrics": []map[string]string{
					{"Name": "SyncDuration", "Unit": "Seconds"},
					{"Name": "JiraCalls", "Unit": "Count"},
					{"Name": "JiraRateLimited", "Unit": "Count"},
					{"Name": "ItemsWritten", "Unit": "Count"},
					{"Name": "SyncSucceeded", "Unit": "Count"},
				},
			}},
		},
		"Tenant":          run.Tenant,
		"ConnectionId":    run.ConnectionID,
		"RunId":           run.RunID,
		"Outcome":         run.Status,
		"SyncDuration":    end.Sub(run.StartedAt).Round(time.Millisecond).Seconds(),
		"JiraCalls":       run.APICalls,
		"JiraRateLimited": run.RateLimited,
		"ItemsWritten":    run.ItemsWritten,
		"SyncSucceeded":   succeeded,
	}
	b, err := json.Marshal(line)
	if err != nil {
		e.logger().Error("encoding sync metrics failed", "error", err)
		return
	}
	fmt.Fprintln(MetricsOutput, string(b))
}
